/**
 * The flight recorder's storage: the last N iterations kept as numbers in a few preallocated
 * typed arrays, and the object references (callback functions, owners) in plain arrays beside
 * them. The JSON-ready {@link IterationRecord} is built only when someone reads it
 * (`snapshot()`, a subscriber) and cached until its row is reused.
 *
 * Why this layout: the first recorder kept each iteration in its own object with a dozen small
 * arrays. With a ring of 1,000 such objects every iteration wrote into memory that had left the
 * CPU caches since the ring last came round: ~0.8 µs of cache misses per iteration, measured
 * against a ring of 4 (scratch micro-benchmark, two owner-mode loops interleaved in one process).
 * Here one iteration is a row of a Float64Array, and its ready events, callbacks, interest changes
 * and system calls are appended to logs shared by all iterations: consecutive iterations write
 * consecutive memory. A log grows (doubling) instead of overwriting entries of an iteration the
 * ring still keeps, so every kept record is complete.
 *
 * @module
 */
import { SYSCALL_KINDS } from '../sys/syscall-counter.ts';
import type {
  CallbackRecordKind,
  IterationRecord,
  Labelled,
  SyscallRecord,
  TimeoutReason,
  WakeReason,
} from './recorder-types.ts';

/** Wake reasons as bits of a row's `woke` field, in this order. */
export const WAKE_REASONS: readonly WakeReason[] = [
  'io',
  'timer',
  'waker',
  'signal',
  'timeout',
  'uv-poll',
  'node-timer',
  'immediate',
];

/** The bit of `reason` in a row's `woke` field. */
export function wakeBit(reason: WakeReason): number {
  return 1 << WAKE_REASONS.indexOf(reason);
}

/** Timeout reasons by code (the index), kept in a row's `R_REASON`. */
export const TIMEOUT_REASONS: readonly TimeoutReason[] = [
  'forever',
  'ready',
  'timer',
  'caller',
  'guest',
  'stopping',
  'node-immediate',
  'signal-cap',
];

/** The code of `reason` in {@link TIMEOUT_REASONS} (compares only: no search per iteration). */
export function reasonCode(reason: TimeoutReason): number {
  if (reason === 'guest') return 4;
  if (reason === 'ready') return 1;
  if (reason === 'caller') return 3;
  if (reason === 'timer') return 2;
  if (reason === 'forever') return 0;
  return reason === 'stopping' ? 5 : reason === 'node-immediate' ? 6 : 7;
}

/** Callback kinds by code (the index). */
export const KINDS: readonly CallbackRecordKind[] = [
  'reader',
  'writer',
  'timer',
  'soon',
  'recv',
  'send',
  'accept',
  'op',
];

/** The code of `kind` in {@link KINDS} (a constant where the caller passes a literal). */
export function kindCode(kind: CallbackRecordKind): number {
  return kind === 'reader'
    ? 0
    : kind === 'writer'
      ? 1
      : kind === 'timer'
        ? 2
        : kind === 'soon'
          ? 3
          : otherCode(kind);
}

function otherCode(kind: CallbackRecordKind): number {
  return kind === 'recv' ? 4 : kind === 'send' ? 5 : kind === 'accept' ? 6 : 7;
}

/**
 * A callback's kind code (0–7) and fd (≥ −1) as one number, `(fd + 1) × 8 + code`: a callback's
 * entry is then two numbers (this and its end time), 16 bytes, four to a cache line.
 */
export function packKindFd(code: number, fd: number): number {
  return (fd + 1) * 8 + code;
}

/**
 * A system call kind's index (< 32) and its calls in one iteration as one number,
 * `calls × 32 + kind`: a kind's entry is then two numbers (this and its bytes), 16 bytes.
 */
export function packCallsKind(calls: number, kind: number): number {
  return calls * 32 + kind;
}

/** The fd of a {@link packKindFd} number. */
function fdOf(packed: number): number {
  return Math.floor(packed / 8) - 1;
}

// The fields of one iteration's row (Float64Array).
/** Iteration number. */
export const R_ITERATION = 0;
/** Start (ms). */
export const R_START = 1;
/** Timeout asked (ms; NaN: forever). */
export const R_TIMEOUT = 2;
/** Time blocked in the wait (ms). */
export const R_BLOCKED = 3;
/** Wake reason bits. */
export const R_WOKE = 4;
/** Timers that fell due. */
export const R_TIMERS_FIRED = 5;
/** Whole iteration (ms). */
export const R_DURATION = 6;
const R_READY = 7;
const R_TIMERS_PENDING = 8;
const R_READERS = 9;
const R_WRITERS = 10;
/** First entry of each log (absolute, counted since `clear()`), then the number of entries. */
const R_EV_AT = 11;
const R_EV_N = 12;
/** First callback of the row (absolute index in the callbacks log). */
export const R_CB_AT = 13;
const R_CB_N = 14;
const R_IN_AT = 15;
const R_IN_N = 16;
const R_SC_AT = 17;
const R_SC_N = 18;
/** Why the iteration waited as long as it did ({@link reasonCode}). */
export const R_REASON = 19;
/** Fields per row. */
export const ROW = 20;

type Fn = (...a: never[]) => void;

import { Log } from './recorder-log.ts';
import { RecorderNotes } from './recorder-notes.ts';

export { Log };

/** The smallest power of two ≥ n (and ≥ 256). */
function pow2(n: number): number {
  let p = 256;
  while (p < n) p *= 2;
  return p;
}

/**
 * The ring of `capacity` completed iterations plus the one being recorded, numbered k = 0, 1, …
 * since `clear()` (row `k % (capacity + 1)`). See the module comment.
 */
export class RecorderRing {
  readonly capacity: number;
  /** Rows: ROW numbers per iteration. */
  readonly rows: Float64Array;
  /**
   * Each row's built record (cached while its row holds that iteration). An iteration stores no
   * reference of its own: its timeout reason is a code in its row, its gauges and watchdog
   * reports are kept in {@link notes} only when they change or occur. System calls between the
   * recorder's hooks leave its lines cold (docs/seeing.md, Costs): each distinct line costs.
   */
  readonly #records: (IterationRecord | null)[];
  /** Gauge samples and watchdog reports, by iteration. */
  readonly notes: RecorderNotes;
  /** Ready events: ints (fd, ready bits), refs (owner). */
  readonly events: Log;
  /**
   * Callbacks: floats (kind code and fd as {@link packKindFd}, end time), refs (function, owner),
   * side by side. A
   * callback starts where the one before it in its iteration ended (the first one where the wait
   * ended): one clock read per callback, at its end.
   */
  readonly callbacks: Log;
  /** Interest changes: ints (fd, interest), refs (owner). */
  readonly interest: Log;
  /** System calls: floats (calls and kind as {@link packCallsKind}, bytes), only kinds with calls. */
  readonly syscalls: Log;

  /** @param capacity completed iterations kept (≥ 1); @param logsOf a ring whose logs this one takes over (a resize) */
  constructor(capacity: number, logsOf: RecorderRing | null = null) {
    this.capacity = capacity;
    const size = capacity + 1;
    this.rows = new Float64Array(size * ROW);
    this.#records = new Array<IterationRecord | null>(size).fill(null);
    this.notes = logsOf?.notes ?? new RecorderNotes();
    const entries = pow2(size * 4);
    this.events = logsOf?.events ?? new Log(entries, 2, 0, 1);
    this.callbacks = logsOf?.callbacks ?? new Log(entries, 0, 2, 2);
    this.interest = logsOf?.interest ?? new Log(pow2(size), 2, 0, 1);
    this.syscalls = logsOf?.syscalls ?? new Log(entries, 0, 2, 0);
  }

  /** Empties every log (the rows are reopened by the caller). */
  clearLogs(): void {
    for (const log of [this.events, this.callbacks, this.interest, this.syscalls]) {
      log.n = 0;
      log.floor = 0;
    }
    this.notes.clear();
  }

  /** The offset of iteration k's row in {@link rows}. */
  base(k: number): number {
    return (k % (this.capacity + 1)) * ROW;
  }

  /** Starts row `r` (iteration k's is `k % (capacity + 1)`): empty, its logs starting at their current ends. */
  open(r: number): void {
    const b = r * ROW;
    const rows = this.rows;
    rows[b + R_BLOCKED] = 0;
    rows[b + R_WOKE] = 0;
    rows[b + R_TIMERS_FIRED] = 0;
    rows[b + R_EV_AT] = this.events.n;
    rows[b + R_CB_AT] = this.callbacks.n;
    rows[b + R_IN_AT] = this.interest.n;
  }

  /** Forgets every built record (they are built again on demand). */
  clearRecords(): void {
    this.#records.fill(null);
  }

  /**
   * Closes row `r` after its iteration: the loop's counters, and the number of entries each log
   * got since `open(r)`. The system calls are appended by the caller between `syscallsAt(r)` and
   * this call.
   */
  seal(r: number, ready: number, timersPending: number, readers: number, writers: number): void {
    const b = r * ROW;
    const rows = this.rows;
    rows[b + R_READY] = ready;
    rows[b + R_TIMERS_PENDING] = timersPending;
    rows[b + R_READERS] = readers;
    rows[b + R_WRITERS] = writers;
    rows[b + R_EV_N] = this.events.n - (rows[b + R_EV_AT] ?? 0);
    rows[b + R_CB_N] = this.callbacks.n - (rows[b + R_CB_AT] ?? 0);
    rows[b + R_IN_N] = this.interest.n - (rows[b + R_IN_AT] ?? 0);
    rows[b + R_SC_N] = this.syscalls.n - (rows[b + R_SC_AT] ?? 0);
  }

  /** Marks where row `r`'s system calls start in their log (before appending them). */
  syscallsAt(r: number): void {
    this.rows[r * ROW + R_SC_AT] = this.syscalls.n;
  }

  /**
   * Raises each log's floor to the first entry of the oldest kept iteration `oldest` (called
   * before a log grows: entries below the floor may be overwritten).
   */
  raiseFloors(oldest: number): void {
    const b = this.base(oldest);
    const rows = this.rows;
    this.events.floor = rows[b + R_EV_AT] ?? 0;
    this.callbacks.floor = rows[b + R_CB_AT] ?? 0;
    this.interest.floor = rows[b + R_IN_AT] ?? 0;
    this.syscalls.floor = rows[b + R_SC_AT] ?? 0;
  }

  /** Copies iteration k's row from `from` (a resize; the records are built again). */
  copyRow(from: RecorderRing, k: number): void {
    const src = from.base(k);
    const dst = this.base(k);
    this.rows.set(from.rows.subarray(src, src + ROW), dst);
  }

  /** The JSON-ready record of completed iteration k (built once, until its row is reused). */
  record(k: number): IterationRecord {
    const r = k % (this.capacity + 1);
    const b = r * ROW;
    const cached = this.#records[r];
    // a row is reused for later iterations: the cache holds iteration k only if the numbers match
    if (cached != null && cached.iteration === this.rows[b + R_ITERATION]) return cached;
    const row = (f: number) => this.rows[b + f] ?? 0;
    const label = (owner: unknown, fd: number) =>
      owner != null ? (owner as Labelled).label : fd >= 0 ? `fd ${fd}` : '';
    const ev = this.events;
    const events = [];
    for (let i = row(R_EV_AT), end = i + row(R_EV_N); i < end; i++) {
      const j = i & ev.mask;
      const fd = ev.i32[2 * j] ?? -1;
      events.push({ fd, ready: ev.i32[2 * j + 1] ?? 0, label: label(ev.refs[j], fd) });
    }
    const cb = this.callbacks;
    const callbacks = [];
    let startMs = row(R_START) + row(R_BLOCKED);
    for (let i = row(R_CB_AT), end = i + row(R_CB_N); i < end; i++) {
      const j = i & cb.mask;
      const packed = cb.f64[2 * j] ?? 3;
      const fd = fdOf(packed);
      // ≥ its start: the loop's time and the recorder's clock may differ by ~20 ns (recorder.ts)
      const endMs = Math.max(startMs, cb.f64[2 * j + 1] ?? startMs);
      callbacks.push({
        kind: KINDS[packed & 7] ?? 'soon',
        name: (cb.refs[2 * j] as Fn | null)?.name || 'anonymous',
        label: label(cb.refs[2 * j + 1], fd),
        fd,
        startMs,
        durationMs: endMs - startMs,
      });
      startMs = endMs;
    }
    const inl = this.interest;
    const interest = [];
    for (let i = row(R_IN_AT), end = i + row(R_IN_N); i < end; i++) {
      const j = i & inl.mask;
      const fd = inl.i32[2 * j] ?? -1;
      interest.push({ fd, interest: inl.i32[2 * j + 1] ?? 0, label: label(inl.refs[j], fd) });
    }
    const sc = this.syscalls;
    const syscalls: SyscallRecord[] = [];
    for (let i = row(R_SC_AT), end = i + row(R_SC_N); i < end; i++) {
      const j = i & sc.mask;
      const packed = sc.f64[2 * j] ?? 0;
      syscalls.push({
        kind: SYSCALL_KINDS[packed % 32] ?? '?',
        calls: Math.floor(packed / 32),
        bytes: sc.f64[2 * j + 1] ?? 0,
      });
    }
    const woke = row(R_WOKE);
    const timeout = row(R_TIMEOUT);
    const record: IterationRecord = {
      iteration: row(R_ITERATION),
      startMs: row(R_START),
      timeoutMs: Number.isNaN(timeout) ? null : timeout,
      timeoutReason: TIMEOUT_REASONS[row(R_REASON)] ?? 'forever',
      blockedMs: row(R_BLOCKED),
      wokeBy: WAKE_REASONS.filter((_, bit) => (woke & (1 << bit)) !== 0),
      events,
      callbacks,
      timersFired: row(R_TIMERS_FIRED),
      interest,
      syscalls,
      durationMs: row(R_DURATION),
      counters: {
        ready: row(R_READY),
        timersPending: row(R_TIMERS_PENDING),
        readers: row(R_READERS),
        writers: row(R_WRITERS),
        gauges: this.notes.gaugesOf(k),
      },
      stalls: this.notes.stallsOf(k),
    };
    this.#records[r] = record;
    return record;
  }
}
