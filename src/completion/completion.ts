/**
 * The completion contract: the layer beside the selectors (L1). A selector says "fd 7 is
 * readable, now you read it"; a completion backend is handed the operation and its buffer and
 * later says "done: 1200 bytes are in buffer 3". nbio has one: io_uring
 * (`uring-completion.ts`). The loop (L2) reaps it once per iteration and runs the callbacks in
 * step 5; transports (L3) submit operations to it when the loop runs on it.
 *
 * ## Rules every implementation keeps
 * - Submitting only prepares: nothing reaches the kernel before the next {@link CompletionQueue.wait}
 *   or the automatic flush at the end of the current JS turn (guest mode), and then in one
 *   system call for everything prepared.
 * - Every operation's callback runs on the loop, in step 5 of an iteration, never inside
 *   the call that submitted it; a throwing callback is reported and the others still run.
 * - A multishot operation calls back many times with `more` true, and exactly once more with
 *   `more` false (its end: an error, EOF, ENOBUFS, −ECANCELED after a cancel).
 * - Results are `res ≥ 0` or `−errno`, as the kernel gives them.
 *
 * @module
 */

/** Where a callback that throws is reported (the loop's exception handler fits). */
export interface ExceptionSink {
  report(error: unknown, context: string, fd?: number): void;
}

/** A finished operation: `res` ≥ 0 or −errno; `more` is true when a multishot operation stays armed. */
export type OpCallback = (res: number, more: boolean) => void;

/**
 * A multishot receive: `data` holds the `res` bytes when `res` > 0, copied out of the ring
 * buffer (which goes back to the kernel after the call), so the callee owns it; `res` 0 is EOF,
 * < 0 an error (−ENOBUFS: the buffer ring ran dry, receive again; −ECANCELED: cancelled).
 */
export type RecvCallback = (res: number, data: Buffer | null, more: boolean) => void;

/** Who submitted an operation, as the loop's flight recorder names it (`"transport …"`, `"listener :7000"`). */
export interface OpOwner {
  readonly label: string;
}

/** What a completion callback finished: a receive, a send, an accept, or another operation. */
export type CompletionCallbackKind = 'recv' | 'send' | 'accept' | 'op';

/**
 * Hooks around each completion callback (the loop's flight recorder and watchdog; the loop
 * sets {@link CompletionQueue.probe} while one of them is on).
 */
export interface CompletionProbe {
  /** A callback is about to run: what finished, on which fd, the function, who submitted it. */
  begin(
    kind: CompletionCallbackKind,
    fd: number,
    fn: ((...a: never[]) => void) | null,
    owner: OpOwner | null,
  ): void;
  /** The callback that began last has returned (or thrown). */
  end(): void;
}

/** Counters of a completion backend, as a frozen plain object. */
export interface CompletionStats {
  /** io_uring_enter calls. */
  readonly enters: number;
  /** Operations submitted. */
  readonly submitted: number;
  /** Completions reaped. */
  readonly completions: number;
  /** Operation callbacks run (in the loop's step 5; the readiness adapter's polls not included). */
  readonly callbacksRun: number;
  /** Operations in flight. */
  readonly inFlight: number;
  /** Multishot receives that ended for lack of buffers (ENOBUFS). */
  readonly bufferExhaustions: number;
  /** Times the kernel held completions back because the CQ was full (IORING_SQ_CQ_OVERFLOW seen). */
  readonly overflows: number;
  /** Send chunks in use. */
  readonly sendChunksInUse: number;
}

/** Operations submitted, completions delivered; see the module comment. */
export interface CompletionQueue {
  /** The mechanism. */
  readonly name: 'io_uring';
  /** A descriptor that is readable while completions wait (libuv watches it in guest mode). */
  readonly pollableFd: number;
  /**
   * Submit what is prepared at the end of each JS turn (a microtask): needed in guest mode,
   * where libuv waits and nobody else would enter the ring. An owner-mode loop turns it off.
   */
  autoFlush: boolean;
  /** The most bytes one {@link CompletionQueue.send} carries. */
  readonly sendChunkSize: number;
  /** Waits for `fd` to have one of the `POLL*` `events` (one shot); `res` is the mask. */
  pollAdd(fd: number, events: number, cb: OpCallback): number;
  /**
   * Accepts connections on a listening socket (multishot when asked); `res` is the new fd.
   * `owner` (here and for recv, send): whom the flight recorder names for its completions.
   */
  accept(fd: number, multishot: boolean, cb: OpCallback, owner?: OpOwner | null): number;
  /** A multishot receive into the provided-buffer ring. */
  recv(fd: number, cb: RecvCallback, owner?: OpOwner | null): number;
  /**
   * Sends the first {@link CompletionQueue.sendChunkSize} bytes of `chunks` (from `offset` of
   * the first), copied now: the caller may reuse its buffers. `res` is the bytes sent.
   */
  send(
    fd: number,
    chunks: readonly Uint8Array[],
    offset: number,
    cb: OpCallback,
    owner?: OpOwner | null,
  ): number;
  /** Connects to the encoded sockaddr `addr`. */
  connect(fd: number, addr: Uint8Array, cb: OpCallback): number;
  /** Closes `fd` in the kernel. */
  closeFile(fd: number, cb: OpCallback): number;
  /** Completes with −ETIME after `timeoutMs`. */
  timeout(timeoutMs: number, cb: OpCallback): number;
  /** Cancels operation `id` (it ends with −ECANCELED, or its own result when it finished first). */
  cancel(id: number): void;
  /** Calls `fn` right before the next submission (once): the place to gather sends of one iteration. */
  beforeSubmit(fn: () => void): void;
  /** One system call: submits what is prepared and waits up to `timeoutMs` (null: forever; 0: not at all) for a completion. */
  wait(timeoutMs: number | null): void;
  /**
   * The end of an iteration (step 7b, both run modes): submits what the iteration prepared (one
   * system call, none when nothing was) and runs the callbacks of the completions that came back
   * during that call (a SEND the socket took at once), so they need no second wake-up of the loop.
   * @returns how many callbacks ran
   */
  submitAndRunInline(exceptions: ExceptionSink): number;
  /** Runs the callbacks of the completions reaped so far. @returns how many ran */
  runCompleted(exceptions: ExceptionSink): number;
  /**
   * Operations in flight that someone waits for (receives, sends, accepts …; not the polls that
   * serve the Selector contract): a guest loop keeps the process alive while there are any.
   */
  readonly pendingOperations: number;
  /** Called around each callback `runCompleted()` runs, while set (one check per callback when null). */
  probe: CompletionProbe | null;
  /** Counters. */
  stats(): CompletionStats;
  /** Releases the ring and its memory; operations in flight are cancelled by the kernel. Idempotent. */
  close(): void;
}
