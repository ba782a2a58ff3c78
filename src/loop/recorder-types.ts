/**
 * The records of the flight recorder (`loop.recorder`): plain, JSON-ready objects, one per loop
 * iteration, so a live page or a trace file can take them as they are (`JSON.stringify`), and
 * a stream can ask for "everything since iteration N" (`recorder.snapshot(n)`).
 *
 * Times are `performance.now()` milliseconds of the loop's thread; add
 * `performance.timeOrigin` for wall-clock time.
 *
 * @module
 */
import type { CompletionCallbackKind } from '../completion/completion.ts';

/** Something the loop can name in a record: a transport, a listener, the waker. */
export interface Labelled {
  /** A short name: `"transport 127.0.0.1:5123→:7000"`, `"listener :7000"`, `"waker"`. */
  readonly label: string;
}

/**
 * Why the loop asked the kernel for the timeout it did: callbacks were ready (0), until the next
 * timer, forever (no timers), capped by the caller (`runOnce(max)`; guest mode always passes 0),
 * 0 because `stop()` was called, 0 because a Node Immediate was pending (owner mode), or capped
 * at 50 ms because signal handlers are installed (owner mode).
 */
export type TimeoutReason =
  | 'ready'
  | 'timer'
  | 'forever'
  | 'caller'
  | 'guest'
  | 'stopping'
  | 'node-immediate'
  | 'signal-cap';

/**
 * What woke or started an iteration: descriptor events, a due timer, the loop's waker (a
 * thread-safe call, `wake()`, `stop()`), a signal, the timeout running out with nothing due;
 * in guest mode also what libuv called back for (`uv-poll`, `node-timer`, `immediate`).
 */
export type WakeReason =
  | 'io'
  | 'timer'
  | 'waker'
  | 'signal'
  | 'timeout'
  | 'uv-poll'
  | 'node-timer'
  | 'immediate';

/** One ready event returned by the selector. */
export interface ReadyRecord {
  /** The descriptor. */
  readonly fd: number;
  /** Readiness bits (`Ready.Readable` 1, `Writable` 2, `Error` 4, `HangUp` 8, `Invalid` 16). */
  readonly ready: number;
  /** Who watches it ("transport …", "listener …", "waker", or "fd N" when unnamed). */
  readonly label: string;
}

/**
 * What kind of callback ran: an fd's reader or writer, a timer, a `callSoon`; on io_uring the
 * completion of a receive, a send, an accept, or another operation (`op`: connect, close …).
 */
export type CallbackRecordKind = 'reader' | 'writer' | 'timer' | 'soon' | CompletionCallbackKind;

/** One callback the loop ran. */
export interface CallbackRecord {
  readonly kind: CallbackRecordKind;
  /** The function's name (`"#onReadable"`, `"tick"`, or `"anonymous"`). */
  readonly name: string;
  /** For readers and writers: the owner of the fd (see {@link ReadyRecord.label}); else "". */
  readonly label: string;
  /** The descriptor for readers and writers, else −1. */
  readonly fd: number;
  /** When it started (`performance.now()` ms). */
  readonly startMs: number;
  /** How long it ran (ms). */
  readonly durationMs: number;
}

/** One change of the selector's interest set (register, modify or unregister). */
export interface InterestRecord {
  readonly fd: number;
  /** The interest now: 0 none (unregistered), 1 readable, 2 writable, 3 both. */
  readonly interest: number;
  readonly label: string;
}

/** System calls of one kind that nbio made during an iteration. */
export interface SyscallRecord {
  /** `recv`, `send`, `epoll_wait`, … (see `SYSCALL_KINDS` in src/sys/syscall-counter.ts). */
  readonly kind: string;
  readonly calls: number;
  /** Bytes moved (reads and writes; 0 for the others). */
  readonly bytes: number;
}

/** Loop state sampled at the end of an iteration (the trace draws these as counters). */
export interface LoopCounters {
  /** Callbacks waiting in the ready queue. */
  readonly ready: number;
  readonly timersPending: number;
  readonly readers: number;
  readonly writers: number;
  /** Gauges registered with `recorder.gauge()` (bytes buffered, open connections …). */
  readonly gauges: Readonly<Record<string, number>>;
}

/** A callback that ran longer than the watchdog's threshold (see src/loop/watchdog.ts). */
export interface StallReport {
  /** `js`: JavaScript ran; the stack was taken while the callback still ran (empty when it
   *  returned before the pause landed). `blocked`: the thread sat in a system call
   *  (Atomics.wait, readFileSync …): no honest stack exists, only a duration. */
  readonly type: 'js' | 'blocked';
  readonly kind: CallbackRecordKind;
  /** The callback's function name. */
  readonly name: string;
  /** The owner of the fd that triggered it (readers, writers), else "". */
  readonly label: string;
  /** The triggering descriptor, or −1 (timers, callSoon). */
  readonly fd: number;
  /** When the callback started (`performance.now()` ms of the loop's thread). */
  readonly startMs: number;
  /** How long it had run when the stack was taken (js), or in all (blocked). */
  readonly blockedMs: number;
  /** How long it ran in all; known once it returned. */
  readonly durationMs: number;
  /** The main thread's stack at the pause, innermost first; empty for `blocked`. */
  readonly stack: readonly StackFrameRecord[];
}

/** One JavaScript stack frame. Lines and columns are 1-based. */
export interface StackFrameRecord {
  readonly functionName: string;
  readonly url: string;
  readonly line: number;
  readonly column: number;
}

/** Everything the recorder kept about one loop iteration. */
export interface IterationRecord {
  /** The iteration's number (`stats().iterations` once it finished). */
  readonly iteration: number;
  /** When it began (`performance.now()` ms). */
  readonly startMs: number;
  /** The timeout passed to the selector (ms; null = forever). */
  readonly timeoutMs: number | null;
  readonly timeoutReason: TimeoutReason;
  /** Time spent inside the selector's wait (ms). */
  readonly blockedMs: number;
  /** What woke it (several at once are possible; empty: nothing at all). */
  readonly wokeBy: readonly WakeReason[];
  readonly events: readonly ReadyRecord[];
  readonly callbacks: readonly CallbackRecord[];
  /** Timers that fell due in this iteration. */
  readonly timersFired: number;
  readonly interest: readonly InterestRecord[];
  readonly syscalls: readonly SyscallRecord[];
  /** The whole iteration, wait included (ms). */
  readonly durationMs: number;
  readonly counters: LoopCounters;
  /** Watchdog reports of callbacks of this iteration. */
  readonly stalls: readonly StallReport[];
}
