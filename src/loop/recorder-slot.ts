/**
 * One slot of the flight recorder's ring: an iteration kept as numbers and object references in
 * arrays that are reused when the ring wraps, so recording allocates (almost) nothing per
 * iteration. The JSON-ready {@link IterationRecord} is built from it only when someone asks
 * (`snapshot()`, a subscriber), and cached until the slot is reused.
 *
 * @module
 */
import { SYSCALL_KINDS } from '../sys/syscall-counter.ts';
import type {
  CallbackRecordKind,
  IterationRecord,
  Labelled,
  StallReport,
  SyscallRecord,
  TimeoutReason,
  WakeReason,
} from './recorder-types.ts';

/** Wake reasons as bits of {@link Slot.woke}, in the order of {@link WAKE_REASONS}. */
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

/** The bit of `reason` in {@link Slot.woke}. */
export function wakeBit(reason: WakeReason): number {
  return 1 << WAKE_REASONS.indexOf(reason);
}

/** Callback kinds by code (the index). */
export const KINDS: readonly CallbackRecordKind[] = ['reader', 'writer', 'timer', 'soon'];

const NO_STALLS: readonly StallReport[] = Object.freeze([]);

type Fn = (...a: never[]) => void;

/** See the module comment. Fields are public for the recorder's hot path. */
export class Slot {
  iteration = 0;
  startMs = 0;
  timeoutMs: number | null = null;
  reason: TimeoutReason = 'forever';
  blockedMs = 0;
  woke = 0;
  timersFired = 0;
  durationMs = 0;
  ready = 0;
  timersPending = 0;
  readers = 0;
  writers = 0;
  gauges: Readonly<Record<string, number>> = {};
  // ready events
  nEvents = 0;
  readonly evFd: number[] = [];
  readonly evReady: number[] = [];
  readonly evOwner: (Labelled | null)[] = [];
  // callbacks
  nCallbacks = 0;
  readonly cbKind: number[] = [];
  readonly cbFd: number[] = [];
  readonly cbFn: Fn[] = [];
  readonly cbOwner: (Labelled | null)[] = [];
  readonly cbStart: number[] = [];
  readonly cbDuration: number[] = [];
  // interest changes
  nInterest = 0;
  readonly inFd: number[] = [];
  readonly inInterest: number[] = [];
  readonly inOwner: (Labelled | null)[] = [];
  /** System calls since the previous iteration: calls then bytes, per kind. */
  readonly syscalls = new Float64Array(2 * SYSCALL_KINDS.length);
  stalls: StallReport[] | null = null;
  /** The record built from this slot, until the slot is reused. */
  record: IterationRecord | null = null;

  /** Empties the slot for the next iteration (arrays keep their capacity). */
  reset(): void {
    this.blockedMs = 0;
    this.woke = 0;
    this.timersFired = 0;
    this.nEvents = 0;
    this.nCallbacks = 0;
    this.nInterest = 0;
    this.stalls = null;
    this.record = null;
  }

  addEvent(fd: number, ready: number, owner: Labelled | null): void {
    const i = this.nEvents++;
    this.evFd[i] = fd;
    this.evReady[i] = ready;
    this.evOwner[i] = owner;
  }

  addCallback(
    kind: number,
    fd: number,
    fn: Fn,
    owner: Labelled | null,
    startMs: number,
    durationMs: number,
  ): void {
    const i = this.nCallbacks++;
    this.cbKind[i] = kind;
    this.cbFd[i] = fd;
    this.cbFn[i] = fn;
    this.cbOwner[i] = owner;
    this.cbStart[i] = startMs;
    this.cbDuration[i] = durationMs;
  }

  addInterest(fd: number, interest: number, owner: Labelled | null): void {
    const i = this.nInterest++;
    this.inFd[i] = fd;
    this.inInterest[i] = interest;
    this.inOwner[i] = owner;
  }

  /** The JSON-ready record (built once per use of the slot). */
  toRecord(): IterationRecord {
    if (this.record !== null) return this.record;
    const label = (owner: Labelled | null | undefined, fd: number) =>
      owner ? owner.label : fd >= 0 ? `fd ${fd}` : '';
    const events = [];
    for (let i = 0; i < this.nEvents; i++) {
      const fd = this.evFd[i] ?? -1;
      events.push({ fd, ready: this.evReady[i] ?? 0, label: label(this.evOwner[i], fd) });
    }
    const callbacks = [];
    for (let i = 0; i < this.nCallbacks; i++) {
      const fd = this.cbFd[i] ?? -1;
      callbacks.push({
        kind: KINDS[this.cbKind[i] ?? 3] ?? 'soon',
        name: this.cbFn[i]?.name || 'anonymous',
        label: label(this.cbOwner[i], fd),
        fd,
        startMs: this.cbStart[i] ?? 0,
        durationMs: this.cbDuration[i] ?? 0,
      });
    }
    const interest = [];
    for (let i = 0; i < this.nInterest; i++) {
      const fd = this.inFd[i] ?? -1;
      interest.push({ fd, interest: this.inInterest[i] ?? 0, label: label(this.inOwner[i], fd) });
    }
    const syscalls: SyscallRecord[] = [];
    const n = SYSCALL_KINDS.length;
    for (let k = 0; k < n; k++) {
      const calls = this.syscalls[k] ?? 0;
      if (calls !== 0)
        syscalls.push({ kind: SYSCALL_KINDS[k] ?? '?', calls, bytes: this.syscalls[n + k] ?? 0 });
    }
    this.record = {
      iteration: this.iteration,
      startMs: this.startMs,
      timeoutMs: this.timeoutMs,
      timeoutReason: this.reason,
      blockedMs: this.blockedMs,
      wokeBy: WAKE_REASONS.filter((_, b) => (this.woke & (1 << b)) !== 0),
      events,
      callbacks,
      timersFired: this.timersFired,
      interest,
      syscalls,
      durationMs: this.durationMs,
      counters: {
        ready: this.ready,
        timersPending: this.timersPending,
        readers: this.readers,
        writers: this.writers,
        gauges: this.gauges,
      },
      stalls: this.stalls ?? NO_STALLS,
    };
    return this.record;
  }
}
