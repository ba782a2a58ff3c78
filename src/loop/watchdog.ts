/**
 * The blocked-loop watchdog: a worker thread watches a heartbeat the loop writes into shared
 * memory around each callback, and when one callback runs longer than a threshold (default
 * 100 ms) it takes the main thread's JavaScript stack *while the callback still runs* (see
 * watchdog-worker.ts for how). When the callback returns, the loop reports it: the stack, the
 * callback's name and the owner of the descriptor that triggered it (by label, never a stack per
 * callback), how long it had run when the stack was taken and how long it ran in all. A callback
 * blocked in a system call (Atomics.wait, readFileSync) is reported by duration, name and
 * trigger, without a stack (a pause could only land after the call returns).
 *
 * Reports go to `onReport`, to stderr (unless `print: false`), into the flight recorder's current
 * iteration when it records, and so into a trace file.
 *
 * Heartbeat layout (a 32-byte SharedArrayBuffer): Int32 [0] the callback sequence, odd while a
 * callback runs (each callback adds 1 when it begins and 1 when it returns), [2] the odd sequence
 * the worker flagged, [3] the one it found sleeping in the kernel; Float64 [2], written by the
 * worker when it flags: when the callback began at the earliest (`performance.timeOrigin +
 * performance.now()`), the worker's last look that saw another sequence.
 *
 * Cost per callback while on: two plain stores into shared memory and one load, plus four
 * stores of the callback's identity into this object; no clock read (a clock read costs
 * ~60–200 ns, more than the rest of the watchdog's work on a B1 echo round trip). The worker
 * times a callback from its own looks, so a reported duration is an upper bound, at most one
 * look interval (`pollMs`: threshold / 5, 2–20 ms) above the true one.
 *
 * @module
 */
import { findSourceMap } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BusyResourceError, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from './event-loop.ts';
import type { CallbackProbe } from './recorder.ts';
import { formatRecords } from './recorder-format.ts';
import type { CallbackRecordKind, Labelled, StackFrameRecord, StallReport } from './recorder-types.ts';
import { WATCHDOG_WORKER_SOURCE } from './watchdog-worker.ts';

/** Options for {@link Watchdog.start}. */
export interface WatchdogOptions {
  /** A callback running longer than this is reported (ms, ≥ 1; default 100). */
  thresholdMs?: number;
  /** Called on the loop's thread with each report, once the callback returned. */
  onReport?: (report: StallReport) => void;
  /** Also write each report to stderr (default true). */
  print?: boolean;
}

const SEQ = 0;
const FLAGGED = 2;
const SLEPT = 3;
const START = 2; // Float64 index

type StackSink = (framesJson: string, seq: number, soFarMs: number) => string;

/** Where the worker finds each watchdog while the main thread is paused (by id). */
function registry(): Map<number, StackSink> {
  const g = globalThis as unknown as Record<symbol, Map<number, StackSink> | undefined>;
  const key = Symbol.for('nbio.watchdog');
  let m = g[key];
  if (m === undefined) {
    m = new Map();
    g[key] = m;
  }
  return m;
}

let nextId = 1;
const watched = new WeakSet<EventLoop>();

/** See the module comment. Start one with {@link Watchdog.start}. */
export class Watchdog implements CallbackProbe {
  readonly #loop: EventLoop;
  readonly #id = nextId++;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #worker: Worker;
  readonly #onReport: ((report: StallReport) => void) | undefined;
  readonly #print: boolean;
  readonly #reports: StallReport[] = [];
  #unhookClose: (() => void) | null = null;
  #stopped = false;
  #stacksTaken = 0;
  // the callback running now
  #seq = 0;
  #kind: CallbackRecordKind = 'soon';
  #fd = -1;
  #fn: ((...a: never[]) => void) | null = null;
  #owner: Labelled | null = null;
  #stack: { seq: number; frames: StackFrameRecord[]; soFarMs: number } | null = null;
  /** How long the watchdog thread needs between two looks at the heartbeat (ms). */
  readonly pollMs: number;
  /** The threshold (ms). */
  readonly thresholdMs: number;

  private constructor(loop: EventLoop, thresholdMs: number, options: WatchdogOptions) {
    this.#loop = loop;
    this.thresholdMs = thresholdMs;
    this.pollMs = Math.max(2, Math.min(20, Math.floor(thresholdMs / 5)));
    this.#onReport = options.onReport;
    this.#print = options.print !== false;
    const sab = new SharedArrayBuffer(32);
    this.#i32 = new Int32Array(sab);
    this.#f64 = new Float64Array(sab);
    this.#i32[FLAGGED] = -1;
    this.#i32[SLEPT] = -1;
    registry().set(this.#id, (json, seq, soFarMs) => this.#takeStack(json, seq, soFarMs));
    this.#worker = new Worker(WATCHDOG_WORKER_SOURCE, {
      eval: true,
      workerData: { sab, id: this.#id, thresholdMs, pollMs: this.pollMs, print: this.#print },
    });
  }

  /**
   * Starts watching `loop`; resolves once the watchdog thread is attached to the debugger
   * (~40 ms), so a stall right after is caught.
   * @throws InvalidArgumentError for a threshold that is not a number ≥ 1;
   *   BusyResourceError when the loop already has a watchdog
   */
  static async start(loop: EventLoop, options: WatchdogOptions = {}): Promise<Watchdog> {
    const thresholdMs = options.thresholdMs ?? 100;
    if (typeof thresholdMs !== 'number' || !(thresholdMs >= 1) || !Number.isFinite(thresholdMs)) {
      throw new InvalidArgumentError(
        `Invalid watchdog threshold ${String(thresholdMs)}: pass a number of milliseconds ≥ 1 (default 100).`,
      );
    }
    if (watched.has(loop)) {
      throw new BusyResourceError('This loop already has a watchdog: stop() it before starting another.');
    }
    const w = new Watchdog(loop, thresholdMs, options);
    watched.add(loop);
    try {
      await new Promise<void>((resolve, reject) => {
        w.#worker.once('message', () => resolve());
        w.#worker.once('error', reject);
        w.#worker.once('exit', (code) =>
          reject(new Error(`the watchdog thread exited (${code}) before it started`)),
        );
      });
    } catch (err) {
      watched.delete(loop);
      registry().delete(w.#id);
      throw err;
    }
    w.#worker.unref(); // ref'd only while starting: a watchdog never keeps the process alive
    w.#unhookClose = loop.onClose(() => void w.stop());
    loop.setWatchdogProbe(w);
    return w;
  }

  /** Stacks taken so far (while their callbacks still ran). */
  get stacksTaken(): number {
    return this.#stacksTaken;
  }

  /** Every report so far, oldest first. */
  get reports(): readonly StallReport[] {
    return this.#reports;
  }

  /** Stops the thread and the heartbeat. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unhookClose?.();
    if (!this.#loop.isClosed) this.#loop.setWatchdogProbe(null);
    watched.delete(this.#loop);
    registry().delete(this.#id);
    const stopped = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 500);
      this.#worker.once('message', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.#worker.postMessage('stop');
    await stopped;
    await this.#worker.terminate();
  }

  /** @internal CallbackProbe: the heartbeat. */
  begin(
    kind: CallbackRecordKind,
    fd: number,
    fn: ((...a: never[]) => void) | null,
    owner: Labelled | null,
  ): void {
    this.#kind = kind;
    this.#fd = fd;
    this.#fn = fn;
    this.#owner = owner;
    // Plain stores: the worker reads with Atomics.load every pollMs; no ordering is needed.
    this.#i32[SEQ] = ++this.#seq; // odd: running
  }

  /** @internal CallbackProbe */
  end(): void {
    const ran = this.#seq;
    this.#i32[SEQ] = ++this.#seq; // even: returned
    if (this.#i32[FLAGGED] === ran) this.#report(ran);
  }

  /** Runs on the main thread while it is paused: keeps the stack, returns the printed text. */
  #takeStack(framesJson: string, seq: number, soFarMs: number): string {
    if (seq !== this.#seq || (seq & 1) === 0) return '';
    const frames = (JSON.parse(framesJson) as StackFrameRecord[]).map(toSource);
    this.#stack = { seq, frames, soFarMs };
    this.#stacksTaken++;
    if (!this.#print) return '';
    const top = frames.find((f) => !f.url.startsWith('node:')) ?? frames[0];
    const where = top === undefined ? '' : ` at ${top.functionName || '(anonymous)'} ${top.url}:${top.line}`;
    return `nbio watchdog: the loop has been blocked ${Math.round(soFarMs)} ms by ${this.#kind} ${this.#fn?.name || 'anonymous'}${this.#owner === null ? '' : ` (${this.#owner.label})`}${where}\n`;
  }

  /** The callback numbered `seq` returned after the worker flagged it. */
  #report(seq: number): void {
    const startMs = (this.#f64[START] ?? 0) - performance.timeOrigin;
    const durationMs = performance.now() - startMs;
    const stack = this.#stack !== null && this.#stack.seq === seq ? this.#stack : null;
    this.#stack = null;
    const report: StallReport = {
      type: stack === null && this.#i32[SLEPT] === seq ? 'blocked' : 'js',
      kind: this.#kind,
      name: this.#fn?.name || 'anonymous',
      label: this.#owner === null ? '' : this.#owner.label,
      fd: this.#fd,
      startMs,
      blockedMs: stack === null ? durationMs : stack.soFarMs,
      durationMs,
      stack: stack === null ? [] : stack.frames,
    };
    this.#reports.push(report);
    if (this.#loop.recorder.enabled) this.#loop.recorder.noteStall(report);
    if (this.#print) process.stderr.write(`${stallText(report)}\n`);
    if (this.#onReport !== undefined) {
      try {
        this.#onReport(report);
      } catch (err) {
        this.#loop.reportException(err, 'watchdog onReport');
      }
    }
  }
}

/**
 * Maps a frame of generated code (tsx, a bundler) to its source through Node's source-map cache
 * (filled when source maps are enabled, as tsx does); unchanged when there is no map.
 */
function toSource(f: StackFrameRecord): StackFrameRecord {
  try {
    const map = f.url === '' ? undefined : findSourceMap(f.url);
    const e = map?.findEntry(f.line - 1, f.column - 1) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (e?.originalSource === undefined || e.originalLine === undefined) return f;
    return {
      functionName: f.functionName,
      url: e.originalSource,
      line: e.originalLine + 1,
      column: (e.originalColumn ?? 0) + 1,
    };
  } catch {
    return f;
  }
}

/** One report as the recorder's table prints it. */
export function stallText(report: StallReport): string {
  const lines = formatRecords([
    {
      iteration: 0,
      startMs: report.startMs,
      timeoutMs: 0,
      timeoutReason: 'ready',
      blockedMs: 0,
      wokeBy: [],
      events: [],
      callbacks: [],
      timersFired: 0,
      interest: [],
      syscalls: [],
      durationMs: 0,
      counters: { ready: 0, timersPending: 0, readers: 0, writers: 0, gauges: {} },
      stalls: [report],
    },
  ]).split('\n');
  return lines
    .filter((l) => /^\s+(STALL|at )/.test(l))
    .map((l) => l.replace(/^ {8}STALL /, 'nbio watchdog: '))
    .join('\n');
}
