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
import type {
  CallbackRecord,
  CallbackRecordKind,
  InterestRecord,
  IterationRecord,
  Labelled,
  LoopCounters,
  ReadyRecord,
  StallReport,
  SyscallRecord,
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
  /** Queue lengths and watcher counts now. */
  counters(): { ready: number; timersPending: number; readers: number; writers: number };
  /** The recorder was turned on or off: the loop re-reads its hooks. */
  probesChanged(): void;
}

/** Ring size when `enable()` is called without one. */
export const DEFAULT_RECORDER_CAPACITY = 1000;

const NO_GAUGES: Readonly<Record<string, number>> = Object.freeze({});

/** See the module comment. */
export class LoopRecorder implements CallbackProbe {
  readonly #host: RecorderHost;
  #ring: IterationRecord[] = [];
  #capacity = 0;
  /** Records written since enable() (the next slot is #written % #capacity). */
  #written = 0;
  #enabled = false;
  #stopCounting: (() => void) | null = null;
  readonly #listeners = new Set<(record: IterationRecord) => void>();
  readonly #gauges = new Map<string, () => number>();
  #gaugeSample: Readonly<Record<string, number>> = NO_GAUGES;
  #gaugeAtMs = Number.NEGATIVE_INFINITY;
  readonly #sysCalls = new Float64Array(SYSCALL_KINDS.length);
  readonly #sysBytes = new Float64Array(SYSCALL_KINDS.length);
  // the iteration being recorded
  #startMs = 0;
  #timeoutMs: number | null = null;
  #reason: TimeoutReason = 'forever';
  #blockedMs = 0;
  #wokeBy: WakeReason[] = [];
  #events: ReadyRecord[] = [];
  #callbacks: CallbackRecord[] = [];
  #timersFired = 0;
  #interest: InterestRecord[] = [];
  #stalls: StallReport[] = [];
  #signal = false;
  // the callback running now
  #cbKind: CallbackRecordKind = 'soon';
  #cbFd = -1;
  #cbName = '';
  #cbLabel = '';
  #cbStartMs = 0;

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
    const last = this.#ring[(this.#written - 1 + this.#capacity) % Math.max(1, this.#capacity)];
    return this.#written === 0 || last === undefined ? 0 : last.iteration;
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
    const kept = this.snapshot().slice(-capacity);
    this.#ring = kept;
    this.#capacity = capacity;
    this.#written = kept.length;
    if (!this.#enabled) {
      this.#enabled = true;
      this.#stopCounting = startCountingSyscalls();
      this.#takeSyscallBaseline();
      this.#resetIteration();
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
    this.#ring = [];
    this.#written = 0;
  }

  /**
   * The records kept, oldest first; with `sinceIteration`, only those after it (a live view
   * asks with the last iteration it has seen). The objects are shared: do not modify them.
   */
  snapshot(sinceIteration = 0): IterationRecord[] {
    const n = Math.min(this.#written, this.#capacity);
    const out: IterationRecord[] = [];
    for (let i = this.#written - n; i < this.#written; i++) {
      const r = this.#ring[i % this.#capacity];
      if (r !== undefined && r.iteration > sinceIteration) out.push(r);
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
    this.#startMs = performance.now();
    this.#timeoutMs = timeoutMs;
    this.#reason = reason;
    if (trigger !== null) this.#wokeBy.push(trigger);
  }

  /** @internal Step 4: what the selector returned, after how long. */
  afterPoll(events: readonly ReadyEvent<{ readonly owner?: Labelled | null }>[], blockedMs: number): void {
    this.#blockedMs = blockedMs;
    const waker = this.#host.wakerFd;
    let io = false;
    let wake = false;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!; // i < length
      const owner = ev.token?.owner ?? null;
      this.#events.push({ fd: ev.fd, ready: ev.ready, label: owner === null ? `fd ${ev.fd}` : owner.label });
      if (ev.fd === waker) wake = true;
      else io = true;
    }
    if (io) this.#wokeBy.push('io');
    if (wake) this.#wokeBy.push('waker');
  }

  /** @internal Step 6: `n` timers fell due. */
  timersDue(n: number): void {
    this.#timersFired += n;
  }

  /** @internal A signal listener queued a handler (owner mode wakes through the waker). */
  noteSignal(): void {
    this.#signal = true;
  }

  /** @internal CallbackProbe */
  begin(kind: CallbackRecordKind, fd: number, fn: (...a: never[]) => void, owner: Labelled | null): void {
    this.#cbKind = kind;
    this.#cbFd = fd;
    this.#cbName = fn.name || 'anonymous';
    this.#cbLabel = owner === null ? (fd >= 0 ? `fd ${fd}` : '') : owner.label;
    this.#cbStartMs = performance.now();
  }

  /** @internal CallbackProbe */
  end(): void {
    const start = this.#cbStartMs;
    this.#callbacks.push({
      kind: this.#cbKind,
      name: this.#cbName,
      label: this.#cbLabel,
      fd: this.#cbFd,
      startMs: start,
      durationMs: performance.now() - start,
    });
  }

  /** @internal The interest in `fd` changed to `interest` (0: no longer watched). */
  interestChanged(fd: number, interest: number, owner: Labelled | null): void {
    this.#interest.push({ fd, interest, label: owner === null ? `fd ${fd}` : owner.label });
  }

  /** @internal A watchdog report: lands in the current (or next) iteration's record. */
  noteStall(report: StallReport): void {
    this.#stalls.push(report);
  }

  /** @internal The iteration numbered `iteration` is complete. */
  endIteration(iteration: number): void {
    const endMs = performance.now();
    const wokeBy = this.#wokeBy;
    if (this.#timersFired > 0) wokeBy.push('timer');
    if (this.#signal) wokeBy.push('signal');
    if (wokeBy.length === 0 && this.#timeoutMs !== 0) wokeBy.push('timeout');
    const record: IterationRecord = {
      iteration,
      startMs: this.#startMs,
      timeoutMs: this.#timeoutMs,
      timeoutReason: this.#reason,
      blockedMs: this.#blockedMs,
      wokeBy,
      events: this.#events,
      callbacks: this.#callbacks,
      timersFired: this.#timersFired,
      interest: this.#interest,
      syscalls: this.#syscallsSinceLast(),
      durationMs: endMs - this.#startMs,
      counters: this.#counters(endMs),
      stalls: this.#stalls,
    };
    this.#ring[this.#written % this.#capacity] = record;
    this.#written++;
    this.#resetIteration();
    for (const l of this.#listeners) {
      try {
        l(record);
      } catch {
        this.#listeners.delete(l);
      }
    }
  }

  #resetIteration(): void {
    this.#blockedMs = 0;
    this.#wokeBy = [];
    this.#events = [];
    this.#callbacks = [];
    this.#timersFired = 0;
    this.#interest = [];
    this.#stalls = [];
    this.#signal = false;
  }

  #counters(nowMs: number): LoopCounters {
    const c = this.#host.counters();
    if (this.#gauges.size > 0 && nowMs - this.#gaugeAtMs >= 1) {
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
    } else if (this.#gauges.size === 0) this.#gaugeSample = NO_GAUGES;
    return { ...c, gauges: this.#gaugeSample };
  }

  #takeSyscallBaseline(): void {
    this.#sysCalls.set(syscallCounter.calls);
    this.#sysBytes.set(syscallCounter.bytes);
  }

  /** System calls since the previous iteration ended (so calls made from microtasks between
   *  two iterations count in the next one). */
  #syscallsSinceLast(): SyscallRecord[] {
    const out: SyscallRecord[] = [];
    const calls = syscallCounter.calls;
    const bytes = syscallCounter.bytes;
    for (let k = 0; k < calls.length; k++) {
      const dc = calls[k]! - this.#sysCalls[k]!; // same length
      if (dc === 0) continue;
      out.push({ kind: SYSCALL_KINDS[k]!, calls: dc, bytes: bytes[k]! - this.#sysBytes[k]! });
    }
    this.#takeSyscallBaseline();
    return out;
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
