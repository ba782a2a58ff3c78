/**
 * The flight recorder: a bounded ring of the last N loop iterations, each with what the loop
 * asked the kernel and why, how long it blocked, what woke it, the ready events with their
 * owners, every callback run (name, owner, duration), timers fired, interest changes and the
 * system calls nbio made (counted in src/sys/syscall-counter.ts, with bytes moved).
 *
 * It is core loop state (`loop.recorder`), off by default: then the loop pays one branch per
 * phase and per callback. `enable(n)` turns it on at run time; `new EventLoop({ recorder: n })`
 * from the start. The records are plain JSON-ready objects (src/loop/recorder-types.ts), so a
 * live page can stream `snapshot(lastSeen)` and a trace file can be written from `subscribe()`.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { ReadyEvent } from '../selector/selector.ts';
import { startCountingSyscalls } from '../sys/syscall-counter.ts';
import type { CallbackProbe } from './callback-probe.ts';
import { GaugeSampler } from './gauge-sampler.ts';
import { RecordListeners } from './record-listeners.ts';
import { nowMs } from './recorder-clock.ts';
import { formatRecords } from './recorder-format.ts';
import type { Log } from './recorder-log.ts';
import {
  kindCode,
  packKindFd,
  R_BLOCKED,
  R_CB_AT,
  R_DURATION,
  R_ITERATION,
  R_REASON,
  R_START,
  R_TIMEOUT,
  R_TIMERS_FIRED,
  R_WOKE,
  RecorderRing,
  ROW,
  reasonCode,
  wakeBit,
} from './recorder-ring.ts';
import type {
  CallbackRecordKind,
  IterationRecord,
  Labelled,
  StallReport,
  TimeoutReason,
  WakeReason,
} from './recorder-types.ts';
import { SyscallDelta } from './syscall-delta.ts';

export { BothProbes } from './both-probes.ts';
export type { CallbackProbe } from './callback-probe.ts';

/** What the recorder reads from its loop. */
export interface RecorderHost {
  /** The loop's waker descriptor (its events read as "waker"). */
  readonly wakerFd: number;
  /** The recorder was turned on or off: the loop re-reads its hooks. */
  probesChanged(): void;
}

/** Ring size when `enable()` is called without one. */
export const DEFAULT_RECORDER_CAPACITY = 1000;

const B_IO = wakeBit('io');
const B_TIMER = wakeBit('timer');
const B_WAKER = wakeBit('waker');
const B_SIGNAL = wakeBit('signal');
const B_TIMEOUT = wakeBit('timeout');

/** The clock, looked up once (`performance` is a lazy getter on the global object). */
const clock = performance;

/** See the module comment. */
export class LoopRecorder implements CallbackProbe {
  readonly #host: RecorderHost;
  #ring: RecorderRing | null = null;
  #capacity = 0;
  /** Iterations completed since the last clear(): the one being recorded is number #written. */
  #written = 0;
  /** The first iteration (counted since clear()) whose row is kept: rows before it were dropped
   *  by a resize. */
  #first = 0;
  /** The current iteration's row, and its offset in the ring's rows. */
  #r = 0;
  #b = 0;
  #enabled = false;
  #stopCounting: (() => void) | null = null;
  readonly #listeners = new RecordListeners();
  readonly #gauges = new GaugeSampler();
  readonly #syscalls = new SyscallDelta();
  /** The ring's callbacks log (the hot path's one field load). */
  #callbacks: Log | null = null;
  /** The callbacks-log index of the callback running now, or −1. */
  #cbOpen = -1;
  /** When the wait or the last callback of this iteration ended; −1 outside an iteration. */
  #lastMs = -1;

  /** Created by the loop; use `loop.recorder`. */
  constructor(host: RecorderHost) {
    this.#host = host;
  }

  /** True while recording. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** How many iterations the ring keeps (0 before the first `enable()`). */
  get capacity(): number {
    return this.#capacity;
  }

  /** The number of the newest record kept, or 0 when there is none. */
  get lastIteration(): number {
    const ring = this.#ring;
    if (this.#written === this.#first || ring === null) return 0;
    return ring.rows[ring.base(this.#written - 1) + R_ITERATION] ?? 0;
  }

  /**
   * Starts recording (or changes the ring size, keeping the newest records).
   * @param capacity iterations kept, an integer ≥ 1 (default 1000)
   * @throws InvalidArgumentError for any other capacity
   */
  enable(capacity: number = this.#capacity || DEFAULT_RECORDER_CAPACITY): void {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(
        `Invalid recorder capacity ${String(capacity)}: pass a whole number of iterations ≥ 1 (default ${DEFAULT_RECORDER_CAPACITY}).`,
      );
    }
    if (capacity !== this.#capacity) {
      const old = this.#ring;
      const ring = new RecorderRing(capacity, old);
      if (old === null)
        ring.open(0); // iteration 0, row 0
      else {
        // the newest records that fit, and the iteration being recorded
        this.#first = Math.max(this.#first, this.#written - capacity);
        for (let k = this.#first; k <= this.#written; k++) ring.copyRow(old, k);
      }
      this.#ring = ring;
      this.#callbacks = ring.callbacks;
      this.#capacity = capacity;
      this.#setRow(this.#written);
    }
    if (!this.#enabled) {
      this.#enabled = true;
      this.#startRow();
      this.#stopCounting = startCountingSyscalls();
      this.#syscalls.baseline();
      this.#host.probesChanged();
    }
  }

  /** Stops recording; the records stay readable until `clear()` or the next `enable()` resize. */
  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    this.#stopCounting?.();
    this.#stopCounting = null;
    this.#host.probesChanged();
  }

  /** Forgets every record. */
  clear(): void {
    this.#written = 0;
    this.#first = 0;
    this.#cbOpen = -1;
    const ring = this.#ring;
    if (ring === null) return;
    ring.clearLogs();
    ring.clearRecords();
    ring.open(0);
    this.#setRow(0);
    this.#startRow();
  }

  /**
   * The records kept, oldest first; with `sinceIteration`, only those after it (a live view
   * asks with the last iteration it has seen). The objects are built on demand and shared: do
   * not modify them.
   */
  snapshot(sinceIteration = 0): IterationRecord[] {
    const out: IterationRecord[] = [];
    const ring = this.#ring;
    if (ring === null) return out;
    for (let k = this.#oldest(); k < this.#written; k++) {
      if ((ring.rows[ring.base(k) + R_ITERATION] ?? 0) > sinceIteration) out.push(ring.record(k));
    }
    return out;
  }

  /** The last `count` iterations as a readable table (see recorder-format.ts). */
  format(count = 20): string {
    return formatRecords(this.snapshot().slice(-count));
  }

  /**
   * Calls `listener(record)` after each recorded iteration (the trace export streams this way).
   * A listener that throws is dropped. @returns a function that unsubscribes
   */
  subscribe(listener: (record: IterationRecord) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Registers a gauge sampled (at most once a millisecond) while recording, and kept in each
   * record's `counters.gauges`: `gauge('connections :7000', () => server.connectionCount)`.
   * Costs nothing while not recording. @returns a function that unregisters it
   */
  gauge(name: string, read: () => number): () => void {
    return this.#gauges.add(name, read);
  }

  // ── hooks the loop calls while recording (@internal) ──────────────────────────────────

  /** @internal Step 1 done: the timeout and why; `trigger` is what libuv called back for. */
  beginIteration(timeoutMs: number | null, reason: TimeoutReason, trigger: WakeReason | null): void {
    const ring = this.#ring!; // enabled
    const b = this.#b;
    ring.rows[b + R_TIMEOUT] = timeoutMs === null ? Number.NaN : timeoutMs;
    ring.rows[b + R_REASON] = reasonCode(reason);
    if (trigger !== null) ring.rows[b + R_WOKE] = (ring.rows[b + R_WOKE] ?? 0) | wakeBit(trigger);
  }

  /**
   * @internal Step 4: what the selector returned. `startMs` and `blockedMs`: when the wait began
   * and how long it took, as the loop timed it. A zero-timeout wait (it cannot block) is not
   * timed: `startMs` is then the loop's time read after it (`performance.now()` ms), or −1 when
   * the loop runs on an injected clock and the recorder reads the clock; `blockedMs` is 0.
   */
  afterPoll(
    events: readonly ReadyEvent<{ readonly owner?: Labelled | null }>[],
    startMs: number,
    blockedMs: number,
  ): void {
    const ring = this.#ring!; // enabled
    const rows = ring.rows;
    const b = this.#b;
    let start = startMs;
    let blocked = blockedMs;
    if (start < 0) {
      start = clock.now();
      blocked = 0;
    }
    rows[b + R_START] = start;
    rows[b + R_BLOCKED] = blocked;
    this.#lastMs = start + blocked;
    // Callbacks that ran since the row opened belong to an iteration that began before recording
    // did (enable() from a callback): their starts are unknown, they are not kept.
    rows[b + R_CB_AT] = this.#callbacks!.n; // enabled
    const n = events.length;
    if (n === 0) return;
    const log = ring.events;
    if (log.n + n - log.floor > log.mask + 1) this.#makeRoom(log, n);
    const waker = this.#host.wakerFd;
    let woke = rows[b + R_WOKE] ?? 0;
    const i32 = log.i32;
    const refs = log.refs;
    const mask = log.mask;
    let at = log.n;
    for (let i = 0; i < n; i++) {
      const ev = events[i]!; // i < length
      const j = at++ & mask;
      i32[2 * j] = ev.fd;
      i32[2 * j + 1] = ev.ready;
      refs[j] = ev.token?.owner ?? null;
      woke |= ev.fd === waker ? B_WAKER : B_IO;
    }
    log.n = at;
    rows[b + R_WOKE] = woke;
  }

  /** @internal Step 6: `n` timers fell due. */
  timersDue(n: number): void {
    const rows = this.#ring!.rows; // enabled
    const b = this.#b;
    rows[b + R_TIMERS_FIRED] = (rows[b + R_TIMERS_FIRED] ?? 0) + n;
    rows[b + R_WOKE] = (rows[b + R_WOKE] ?? 0) | B_TIMER;
  }

  /** @internal A signal listener queued a handler (it runs in the next iteration). */
  noteSignal(): void {
    const rows = this.#ring!.rows; // enabled
    rows[this.#b + R_WOKE] = (rows[this.#b + R_WOKE] ?? 0) | B_SIGNAL;
  }

  /** @internal CallbackProbe: no clock read (the callback starts where the previous one ended). */
  begin(
    kind: CallbackRecordKind,
    fd: number,
    fn: ((...a: never[]) => void) | null,
    owner: Labelled | null,
  ): void {
    const log = this.#callbacks!; // enabled
    if (log.n - log.floor > log.mask) this.#makeRoom(log);
    const i = log.n++;
    const j = i & log.mask;
    // one entry's numbers (kind and fd in one, end time) and references (function, owner) side
    // by side: 16 bytes of each per callback, where the hooks run cold between system calls
    log.f64[2 * j] = packKindFd(kindCode(kind), fd);
    const refs = log.refs;
    if (refs[2 * j] !== fn) refs[2 * j] = fn; // most callbacks are a class's shared method: no store
    refs[2 * j + 1] = owner;
    this.#cbOpen = i;
  }

  /** @internal CallbackProbe: the one clock read per callback. */
  end(): void {
    const now = nowMs();
    this.#lastMs = now;
    const i = this.#cbOpen;
    if (i < 0) return;
    this.#cbOpen = -1;
    const log = this.#callbacks!; // begin() ran
    log.f64[2 * (i & log.mask) + 1] = now;
  }

  /** @internal The interest in `fd` changed to `interest` (0: no longer watched). */
  interestChanged(fd: number, interest: number, owner: Labelled | null): void {
    const log = this.#ring!.interest; // enabled
    if (log.n - log.floor > log.mask) this.#makeRoom(log);
    const j = log.n++ & log.mask;
    log.i32[2 * j] = fd;
    log.i32[2 * j + 1] = interest;
    log.refs[j] = owner;
  }

  /** @internal A watchdog report: lands in the current (or next) iteration's record. */
  noteStall(report: StallReport): void {
    this.#ring?.notes.addStall(this.#written, report);
  }

  /** @internal The iteration numbered `iteration` is complete; the loop's counters now. */
  endIteration(
    iteration: number,
    ready: number,
    timersPending: number,
    readers: number,
    writers: number,
  ): void {
    const ring = this.#ring!; // enabled
    const rows = ring.rows;
    const b = this.#b;
    const k = this.#written;
    const endMs = this.#lastMs >= 0 ? this.#lastMs : clock.now();
    this.#lastMs = -1;
    if (rows[b + R_WOKE] === 0 && rows[b + R_TIMEOUT] !== 0) rows[b + R_WOKE] = B_TIMEOUT;
    rows[b + R_ITERATION] = iteration;
    rows[b + R_DURATION] = endMs - (rows[b + R_START] ?? endMs);
    const r = this.#r;
    const oldest = this.#oldest();
    ring.notes.gaugesAt(k, this.#gauges.sample(endMs), oldest);
    ring.notes.dropStallsBefore(oldest);
    ring.syscallsAt(r);
    this.#syscalls.appendSince(ring.syscalls, this.#makeRoomFor);
    ring.seal(r, ready, timersPending, readers, writers);
    this.#written = k + 1;
    // the next row, without a modulo: rows are k % (capacity + 1)
    const next = r === this.#capacity ? 0 : r + 1;
    ring.open(next);
    this.#r = next;
    this.#b = next * ROW;
    if (!this.#listeners.empty) this.#listeners.notify(ring.record(k));
  }

  /** Recording starts (or restarts) inside an iteration: its row starts now, with no wait. */
  #startRow(): void {
    const rows = this.#ring!.rows; // enable() made it
    const now = clock.now();
    rows[this.#b + R_START] = now;
    rows[this.#b + R_BLOCKED] = 0;
    this.#lastMs = now;
  }

  /** Iteration k is recorded in the ring's row #r, at offset #b. */
  #setRow(k: number): void {
    this.#r = k % (this.#capacity + 1);
    this.#b = this.#r * ROW;
  }

  /** The oldest iteration kept (counted since clear()). */
  #oldest(): number {
    return Math.max(this.#first, this.#written - this.#capacity);
  }

  readonly #makeRoomFor = (log: Log): void => this.#makeRoom(log);

  /** A log has no room for `entries` more: raise its floor to the oldest kept iteration's
   *  entries, and grow it while that is not enough. */
  #makeRoom(log: Log, entries = 1): void {
    this.#ring!.raiseFloors(this.#oldest()); // enabled
    while (log.n + entries - log.floor > log.mask + 1) log.grow();
  }
}
