/**
 * The Selector contract: the one small interface every readiness backend implements (select,
 * poll, epoll, kqueue). A Selector *waits*; it never schedules or calls anything (that is the
 * EventLoop's job).
 *
 * ## Lifecycle
 * `new` → (`register` | `modify` | `unregister` | `select`)* → `close`. After `close` every
 * method throws `ClosedResourceError` (`close` itself may be called again and does nothing).
 *
 * ## Promises and non-promises (after mio's "Spurious events")
 * - Level-triggered by default: an fd that stays readable is reported by every `select()`.
 * - Events may be spurious: a readable report can be followed by a read that would block.
 *   Callers read until would-block or until they have enough, and treat would-block as normal.
 * - An error or hang-up on an fd is reported as readable and/or writable (whichever was asked
 *   for) plus the `Error`/`Hangup` bits, so the owner of the fd finds out by reading/writing.
 * - Close an fd only after `unregister`. An fd closed while registered is reported with the
 *   `Invalid` bit by select and poll; epoll and kqueue drop it silently (see
 *   docs/backends/epoll.md for the file-description pitfall after dup()).
 * - The array `select()` returns, and the events in it, are reused by the next call: copy what
 *   you keep.
 *
 * @module
 */

/** What a caller asks to be told about. Bits, combined with `|`. */
export const Interest = {
  /** Tell me when a read would not block (data, EOF, an incoming connection, an error). */
  Readable: 1,
  /** Tell me when a write would not block (buffer space, a finished connect, an error). */
  Writable: 2,
  /** Edge-triggered: report a change once, not the state every time (epoll EPOLLET, kqueue EV_CLEAR). */
  Edge: 4,
  /** One-shot: report once, then disable until `modify` re-arms it (EPOLLONESHOT, EV_ONESHOT). */
  OneShot: 8,
} as const;
/** A combination of {@link Interest} bits. */
export type Interest = number;

/** What the OS reported. Bits of {@link ReadyEvent.ready}. */
export const Ready = {
  /** A read would not block. */
  Readable: 1,
  /** A write would not block. */
  Writable: 2,
  /** The fd has a pending error (EPOLLERR, POLLERR, EV_ERROR, select's exception set). */
  Error: 4,
  /** The peer hung up (EPOLLHUP/POLLHUP, EV_EOF). */
  Hangup: 8,
  /** The fd is not open any more (POLLNVAL; select's EBADF): it was closed while registered. */
  Invalid: 16,
} as const;

/** Says whose an event is: whatever the registrant chose (the EventLoop passes its watcher). */
export type Token = unknown;

/** One readiness report. Reused by the next `select()`: copy what you keep. */
export interface ReadyEvent<T = Token> {
  /** The descriptor. */
  fd: number;
  /** The token given at register/modify time. */
  token: T;
  /** {@link Ready} bits. */
  ready: number;
}

/**
 * Names of the backends: the mechanism, not the OS. `io_uring` is a completion backend
 * (src/completion/) that also serves this readiness contract through POLL_ADD.
 */
export type SelectorName = 'select' | 'poll' | 'epoll' | 'kqueue' | 'io_uring';

/** Trigger modes a backend can offer. */
export type TriggerMode = 'level' | 'edge' | 'oneshot';

/** What a backend declares about itself. */
export interface SelectorCapabilities {
  /** The mechanism. */
  readonly name: SelectorName;
  /** The largest fd it accepts (select: FD_SETSIZE − 1); `Infinity` when unlimited. */
  readonly maxFd: number;
  /** True when the kernel keeps the interest set between waits (epoll, kqueue). */
  readonly kernelInterestSet: boolean;
  /**
   * A descriptor that becomes readable when this selector has events, so another loop (libuv,
   * in guest mode) can watch it; null when there is none (select, poll, a userspace kqueue).
   */
  readonly pollableFd: number | null;
  /** Trigger modes it supports; 'level' always. */
  readonly triggers: readonly TriggerMode[];
  /** How the cost of one wait grows with registered but idle descriptors. */
  readonly idleCost: 'O(1)' | 'O(n)';
  /** The system call the wait issues on this platform (as strace shows it). */
  readonly syscall: string;
}

/** Counters every selector keeps. A frozen snapshot comes from `stats()`. */
export interface SelectorStats {
  /** Backend name. */
  readonly name: SelectorName;
  /** Descriptors registered now. */
  readonly registered: number;
  /** Calls to `select()`. */
  readonly selects: number;
  /** Events returned by all `select()` calls. */
  readonly events: number;
}

/** Readiness multiplexing: register descriptors with an interest, then wait for events. */
export interface Selector<T = Token> {
  /** The backend's description of itself. */
  readonly capabilities: SelectorCapabilities;
  /**
   * Starts watching `fd`.
   * @throws InvalidArgumentError NBIO_BAD_FD (negative, not an integer, or not open),
   *   NBIO_FD_TOO_LARGE (past `capabilities.maxFd`), NBIO_ALREADY_REGISTERED,
   *   NBIO_INVALID_ARGUMENT (no Readable/Writable bit), NBIO_UNSUPPORTED (a trigger this
   *   backend lacks); ClosedResourceError after `close()`
   */
  register(fd: number, interest: Interest, token: T): void;
  /** Changes the interest and token of a registered fd. @throws NBIO_NOT_REGISTERED and as `register` */
  modify(fd: number, interest: Interest, token: T): void;
  /** Stops watching `fd`. Safe after the fd was closed. @throws NBIO_NOT_REGISTERED */
  unregister(fd: number): void;
  /**
   * Waits until at least one registered fd is ready or `timeoutMs` passes; the only call that
   * blocks. A signal arriving while blocked ends the wait early with no events.
   * @param timeoutMs milliseconds ≥ 0 (0 = just check), or null to wait forever
   * @returns the ready events (reused by the next call)
   * @throws InvalidArgumentError NBIO_INVALID_TIMEOUT for NaN or a negative number
   */
  select(timeoutMs: number | null): readonly ReadyEvent<T>[];
  /** The registration of `fd`, or undefined. */
  get(fd: number): { readonly interest: Interest; readonly token: T } | undefined;
  /**
   * The socket error the backend took from the kernel on `fd`'s behalf since it was registered,
   * or 0; taking it clears it. Only a userspace kqueue (libkqueue) has one: it reads `SO_ERROR`
   * itself when it reports a socket error, which clears it, and passes the errno in the event's
   * `fflags` with EV_EOF. A connect that reads `SO_ERROR` as 0 asks here before calling it a
   * success. Absent (or 0) on every other backend.
   */
  takeSocketError?(fd: number): number;
  /** Releases the kernel object (if any). Idempotent. */
  close(): void;
  /** True after `close()`. */
  readonly isClosed: boolean;
  /** Counters, as a frozen plain object. */
  stats(): SelectorStats;
}
