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
import { SYSCALL_KINDS, startCountingSyscalls, syscallCounter } from '../sys/syscall-counter.ts';
import { formatRecords } from './recorder-format.ts';
import { Slot, wakeBit } from './recorder-slot.ts';
import type {
  CallbackRecordKind,
  IterationRecord,
  Labelled,
  StallReport,
  TimeoutReason,
  WakeReason,
} from './recorder-types.ts';

/** Hooks around each callback the loop runs (the recorder and the watchdog implement it). */
export interface CallbackProbe {
  /** A callback is about to run: its kind, fd (−1 unless reader/writer), function and fd owner. */
  begin(kind: CallbackRecordKind, fd: number, fn: (...a: never[]) => void, owner: Labelled | null): void;
  /** The callback that began last has returned (or thrown). */
  end(): void;
}

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

function kindCode(kind: CallbackRecordKind): number {
  return kind === 'reader' ? 0 : kind === 'writer' ? 1 : kind === 'timer' ? 2 : 3;
}

/** See the module comment. */
export class LoopRecorder implements CallbackProbe {
  readonly #host: RecorderHost;
  /** capacity + 1 slots: the completed iterations and the one being recorded (#cur). */
  #ring: Slot[] = [];
  #capacity = 0;
  /** Iterations completed into the ring since the first enable(). */
  #written = 0;
  #cur: Slot = new Slot();
  #enabled = false;
  #stopCounting: (() => void) | null = null;
  readonly #listeners = new Set<(record: IterationRecord) => void>();
  readonly #gauges = new Map<string, () => number>();
  #gaugeSample: Readonly<Record<string, number>> = {};
  #gaugeAtMs = Number.NEGATIVE_INFINITY;
  readonly #sysBase = new Float64Array(2 * SYSCALL_KINDS.length);
  // the callback running now
  #cbKind = 0;
  #cbFd = -1;
  #cbFn: ((...a: never[]) => void) | null = null;
  #cbOwner: Labelled | null = null;
  #cbStartMs = 0;
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
    if (this.#written === 0 || this.#capacity === 0) return 0;
    return this.#ring[(this.#written - 1) % (this.#capacity + 1)]?.iteration ?? 0;
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
      const kept = this.#completedSlots().slice(-capacity);
      const ring = [...kept, this.#cur];
      while (ring.length < capacity + 1) ring.push(new Slot());
      this.#ring = ring;
      this.#capacity = capacity;
      this.#written = kept.length;
    }
    if (!this.#enabled) {
      this.#enabled = true;
      this.#stopCounting = startCountingSyscalls();
      this.#takeSyscallBaseline();
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
    for (const slot of this.#ring) slot.reset();
    this.#cur = this.#ring[0] ?? this.#cur;
  }

  /**
   * The records kept, oldest first; with `sinceIteration`, only those after it (a live view
   * asks with the last iteration it has seen). The objects are built on demand and shared: do
   * not modify them.
   */
  snapshot(sinceIteration = 0): IterationRecord[] {
    const out: IterationRecord[] = [];
    for (const slot of this.#completedSlots()) if (slot.iteration > sinceIteration) out.push(slot.toRecord());
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
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Registers a gauge sampled (at most once a millisecond) while recording, and kept in each
   * record's `counters.gauges`: `gauge('connections :7000', () => server.connectionCount)`.
   * Costs nothing while not recording. @returns a function that unregisters it
   */
  gauge(name: string, read: () => number): () => void {
    this.#gauges.set(name, read);
    return () => {
      if (this.#gauges.get(name) === read) this.#gauges.delete(name);
    };
  }

  // ── hooks the loop calls while recording (@internal) ──────────────────────────────────

  /** @internal Step 1 done: the timeout and why; `trigger` is what libuv called back for. */
  beginIteration(timeoutMs: number | null, reason: TimeoutReason, trigger: WakeReason | null): void {
    const cur = this.#cur;
    cur.timeoutMs = timeoutMs;
    cur.reason = reason;
    if (trigger !== null) cur.woke |= wakeBit(trigger);
  }

  /**
   * @internal Step 4: what the selector returned; the wait began at `startMs` (the iteration's
   * start, as recorded) and took `blockedMs`.
   */
  afterPoll(
    events: readonly ReadyEvent<{ readonly owner?: Labelled | null }>[],
    startMs: number,
    blockedMs: number,
  ): void {
    const cur = this.#cur;
    cur.startMs = startMs;
    cur.blockedMs = blockedMs;
    this.#lastMs = startMs + blockedMs;
    const waker = this.#host.wakerFd;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!; // i < length
      cur.addEvent(ev.fd, ev.ready, ev.token?.owner ?? null);
      cur.woke |= ev.fd === waker ? B_WAKER : B_IO;
    }
  }

  /** @internal Step 6: `n` timers fell due. */
  timersDue(n: number): void {
    this.#cur.timersFired += n;
    this.#cur.woke |= B_TIMER;
  }

  /** @internal A signal listener queued a handler (it runs in the next iteration). */
  noteSignal(): void {
    this.#cur.woke |= B_SIGNAL;
  }

  /** @internal CallbackProbe */
  begin(kind: CallbackRecordKind, fd: number, fn: (...a: never[]) => void, owner: Labelled | null): void {
    this.#cbKind = kindCode(kind);
    this.#cbFd = fd;
    this.#cbFn = fn;
    this.#cbOwner = owner;
    // Clock reads cost ~40–170 ns each: a callback that follows the wait or another callback
    // starts when that one ended (the few instructions between them count in this one).
    this.#cbStartMs = this.#lastMs >= 0 ? this.#lastMs : performance.now();
  }

  /** @internal CallbackProbe */
  end(): void {
    const start = this.#cbStartMs;
    const fn = this.#cbFn;
    const now = performance.now();
    this.#lastMs = now;
    if (fn !== null) this.#cur.addCallback(this.#cbKind, this.#cbFd, fn, this.#cbOwner, start, now - start);
  }

  /** @internal The interest in `fd` changed to `interest` (0: no longer watched). */
  interestChanged(fd: number, interest: number, owner: Labelled | null): void {
    this.#cur.addInterest(fd, interest, owner);
  }

  /** @internal A watchdog report: lands in the current (or next) iteration's record. */
  noteStall(report: StallReport): void {
    const cur = this.#cur;
    if (cur.stalls === null) cur.stalls = [];
    cur.stalls.push(report);
  }

  /** @internal The iteration numbered `iteration` is complete; the loop's counters now. */
  endIteration(
    iteration: number,
    ready: number,
    timersPending: number,
    readers: number,
    writers: number,
  ): void {
    const cur = this.#cur;
    const endMs = this.#lastMs >= 0 ? this.#lastMs : performance.now();
    this.#lastMs = -1;
    if (cur.woke === 0 && cur.timeoutMs !== 0) cur.woke = B_TIMEOUT;
    cur.iteration = iteration;
    cur.durationMs = endMs - cur.startMs;
    cur.ready = ready;
    cur.timersPending = timersPending;
    cur.readers = readers;
    cur.writers = writers;
    cur.gauges = this.#sampleGauges(endMs);
    this.#syscallsSinceLast(cur.syscalls);
    this.#written++;
    const next = this.#ring[this.#written % (this.#capacity + 1)] ?? new Slot();
    next.reset();
    this.#cur = next;
    if (this.#listeners.size === 0) return;
    const record = cur.toRecord();
    for (const l of this.#listeners) {
      try {
        l(record);
      } catch {
        this.#listeners.delete(l);
      }
    }
  }

  /** Completed slots, oldest first. */
  #completedSlots(): Slot[] {
    const size = this.#capacity + 1;
    const n = Math.min(this.#written, this.#capacity);
    const out: Slot[] = [];
    for (let i = this.#written - n; i < this.#written; i++) {
      const slot = this.#ring[i % size];
      if (slot !== undefined) out.push(slot);
    }
    return out;
  }

  #sampleGauges(nowMs: number): Readonly<Record<string, number>> {
    if (this.#gauges.size === 0 || nowMs - this.#gaugeAtMs < 1) return this.#gaugeSample;
    const sample: Record<string, number> = {};
    for (const [name, read] of this.#gauges) {
      try {
        sample[name] = read();
      } catch {
        this.#gauges.delete(name);
      }
    }
    this.#gaugeSample = sample;
    this.#gaugeAtMs = nowMs;
    return sample;
  }

  #takeSyscallBaseline(): void {
    this.#sysBase.set(syscallCounter.calls, 0);
    this.#sysBase.set(syscallCounter.bytes, SYSCALL_KINDS.length);
  }

  /** System calls since the previous iteration ended, into `out` (calls, then bytes), so calls
   *  made from microtasks between two iterations count in the next one. */
  #syscallsSinceLast(out: Float64Array): void {
    const calls = syscallCounter.calls;
    const bytes = syscallCounter.bytes;
    const base = this.#sysBase;
    const n = calls.length;
    for (let k = 0; k < n; k++) {
      const c = calls[k]!; // same lengths
      const b = bytes[k]!;
      out[k] = c - base[k]!;
      out[n + k] = b - base[n + k]!;
      base[k] = c;
      base[n + k] = b;
    }
  }
}

/** Runs two probes around each callback (recorder and watchdog both on). */
export class BothProbes implements CallbackProbe {
  readonly #a: CallbackProbe;
  readonly #b: CallbackProbe;

  /** @param a runs first on begin, last on end; @param b the inner one */
  constructor(a: CallbackProbe, b: CallbackProbe) {
    this.#a = a;
    this.#b = b;
  }

  /** @inheritDoc */
  begin(kind: CallbackRecordKind, fd: number, fn: (...a: never[]) => void, owner: Labelled | null): void {
    this.#a.begin(kind, fd, fn, owner);
    this.#b.begin(kind, fd, fn, owner);
  }

  /** @inheritDoc */
  end(): void {
    this.#b.end();
    this.#a.end();
  }
}
