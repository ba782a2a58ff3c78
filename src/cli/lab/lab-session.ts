/**
 * `nbio lab`'s engine: two loops on one thread.
 *
 * - The **workload loop** ({@link LabWorkload}, owner mode, any backend) is never `run()`: a
 *   driver calls `runOnce()` once per Node macrotask (`setImmediate`), so the loop really blocks
 *   in its selector (up to {@link LAB_TICK_MAX_MS}, less while a Node timer is pending) and
 *   Node's own loop turns between two iterations. Pausing stops the driver; **step** calls
 *   `runOnce()` once and answers with that iteration's record.
 * - The **page loop** (a default loop, guest of Node's) serves the page, the control requests
 *   and the server-sent event stream with nbio's own HTTP server (src/http). It is never paused,
 *   so the page keeps answering while the workload stands still between two steps.
 *
 * Frames go out at most every {@link LAB_FRAME_MS} ms, each with at most
 * {@link LAB_MAX_ITERATIONS_PER_FRAME} iteration summaries: the rate is bounded whatever the
 * workload does.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Exchange } from '../../http/server/http-connection.ts';
import { type HttpServer, serveRaw } from '../../http/server/http-server.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import type { IterationRecord, StallReport } from '../../loop/recorder-types.ts';
import { Watchdog } from '../../loop/watchdog.ts';
import { availableBackends } from '../../selector/default-selector.ts';
import type { SelectorName } from '../../selector/selector.ts';
import { LAB_PAGE_HTML } from './lab-page.ts';
import { LabWorkload } from './lab-workload.ts';

/** The longest a driven iteration may block (ms). */
export const LAB_TICK_MAX_MS = 50;
/** The shortest interval between two frames of the event stream (ms). */
export const LAB_FRAME_MS = 200;
/** Iteration summaries sent per frame at most (the newest). */
export const LAB_MAX_ITERATIONS_PER_FRAME = 80;
/** Descriptors listed per frame at most (the count is always sent). */
export const LAB_MAX_DESCRIPTORS_PER_FRAME = 120;

/** Options of {@link Lab.start}. */
export interface LabOptions {
  /** Where the page listens; default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** The workload's backend; default the best available here (kqueue, epoll, poll, select in that order). */
  readonly backend?: SelectorName;
  /** Start the blocked-loop watchdog on the workload loop (default true). */
  readonly watchdog?: boolean;
}

/** One iteration as the timeline draws it. */
export interface IterationSummary {
  readonly i: number;
  readonly startMs: number;
  readonly timeoutMs: number | null;
  readonly reason: string;
  readonly blockedMs: number;
  readonly durationMs: number;
  readonly wokeBy: readonly string[];
  readonly events: number;
  readonly callbacks: number;
}

/** The backends the lab can drive here: every one this machine has (io_uring when the kernel allows it). */
export function labBackends(): SelectorName[] {
  return availableBackends();
}

function summarize(r: IterationRecord): IterationSummary {
  return {
    i: r.iteration,
    startMs: r.startMs,
    timeoutMs: r.timeoutMs,
    reason: r.timeoutReason,
    blockedMs: r.blockedMs,
    durationMs: r.durationMs,
    wokeBy: r.wokeBy,
    events: r.events.length,
    callbacks: r.callbacks.length,
  };
}

/** A running lab: the workload, its driver, the page's server; see the module comment. */
export class Lab {
  readonly #pageLoop: EventLoop;
  readonly #server: HttpServer;
  /** The event streams open, each with whether its write buffer is full (frames skipped). */
  readonly #streams = new Map<Exchange, boolean>();
  readonly #useWatchdog: boolean;
  #workload: LabWorkload;
  #watchdog: Watchdog | null = null;
  #paused = false;
  #closed = false;
  #driver: NodeJS.Immediate | null = null;
  #frameTimer: TimerHandle | null = null;
  #sentIteration = 0;
  #lastRecord: IterationRecord | null = null;
  readonly #stalls: StallReport[] = [];

  private constructor(pageLoop: EventLoop, backend: SelectorName, options: LabOptions) {
    this.#pageLoop = pageLoop;
    this.#useWatchdog = options.watchdog ?? true;
    this.#workload = new LabWorkload(backend);
    this.#server = serveRaw(pageLoop, (ex) => this.#handle(ex), {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
    });
  }

  /**
   * Starts the workload, its driver and the page's server.
   * @throws InvalidArgumentError for a backend this machine does not have; the listener's errors
   */
  static async start(options: LabOptions = {}): Promise<Lab> {
    const have = labBackends();
    const backend = options.backend ?? have[0] ?? 'poll';
    if (!have.includes(backend))
      throw new InvalidArgumentError(
        `The lab cannot run on backend ${JSON.stringify(backend)} here: pass one of ${have.join(', ')}.`,
      );
    const pageLoop = new EventLoop();
    let lab: Lab;
    try {
      lab = new Lab(pageLoop, backend, options);
    } catch (err) {
      pageLoop.close();
      throw err;
    }
    await lab.#startWatchdog();
    lab.#drive();
    lab.#scheduleFrame();
    return lab;
  }

  /** The page's address (`http://host:port/`). */
  get url(): string {
    return `http://${this.#server.hostForUrls}/`;
  }

  /** The workload now (a backend switch replaces it). */
  get workload(): LabWorkload {
    return this.#workload;
  }

  /** True while the driver is stopped (between steps). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Stops driving the workload loop; it stays open, its sockets keep their data. */
  pause(): void {
    this.#paused = true;
    if (this.#driver !== null) clearImmediate(this.#driver);
    this.#driver = null;
    this.#frame();
  }

  /** Drives the workload again. */
  resume(): void {
    this.#paused = false;
    this.#drive();
  }

  /** Pauses (if running) and runs exactly one iteration; returns its record. */
  step(): IterationRecord | null {
    if (!this.#paused) this.pause();
    const loop = this.#workload.loop;
    const before = loop.stats().iterations;
    loop.runOnce(LAB_TICK_MAX_MS);
    const rec = loop.recorder.snapshot(before).at(-1) ?? null;
    this.#frame();
    return rec;
  }

  /** Replaces the workload by a fresh one on `backend` (the old one is closed). */
  async switchBackend(backend: SelectorName): Promise<void> {
    const have = labBackends();
    if (!have.includes(backend))
      throw new InvalidArgumentError(
        `No backend ${JSON.stringify(backend)} here: pass one of ${have.join(', ')}.`,
      );
    await this.#stopWatchdog();
    this.#workload.close();
    this.#workload = new LabWorkload(backend);
    this.#sentIteration = 0;
    this.#lastRecord = null;
    await this.#startWatchdog();
    this.#frame();
  }

  /**
   * A frame: the counters, descriptors, timers, buffers now, and the summaries of the
   * iterations after `sinceIteration` (default: the newest {@link LAB_MAX_ITERATIONS_PER_FRAME}).
   * `GET /api/state` answers it.
   */
  state(sinceIteration?: number): Record<string, unknown> {
    const w = this.#workload;
    const loop = w.loop;
    const recs = loop.recorder.snapshot(
      sinceIteration ?? Math.max(0, loop.stats().iterations - LAB_MAX_ITERATIONS_PER_FRAME),
    );
    const last = recs.at(-1);
    if (last !== undefined) this.#lastRecord = last;
    const fds = w.descriptors();
    return {
      nowMs: performance.now(),
      paused: this.#paused,
      backends: labBackends(),
      stats: loop.stats(),
      iterations: recs.slice(-LAB_MAX_ITERATIONS_PER_FRAME).map(summarize),
      last: this.#lastRecord,
      descriptorCount: fds.length,
      descriptors: fds.slice(0, LAB_MAX_DESCRIPTORS_PER_FRAME),
      timers: w.timers(),
      buffers: w.buffers(),
      stalls: this.#stalls,
      added: w.added,
      notes: w.notes,
    };
  }

  /** Stops everything: streams, driver, watchdog, workload, the page's server and loop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#driver !== null) clearImmediate(this.#driver);
    this.#frameTimer?.cancel();
    for (const ex of this.#streams.keys()) ex.response.end();
    this.#streams.clear();
    await this.#stopWatchdog();
    this.#workload.close();
    await this.#server.close({ timeoutMs: 200 });
    this.#pageLoop.close();
  }

  async #startWatchdog(): Promise<void> {
    if (!this.#useWatchdog) return;
    this.#watchdog = await Watchdog.start(this.#workload.loop, {
      thresholdMs: 100,
      print: false,
      onReport: (r) => {
        this.#stalls.push(r);
        if (this.#stalls.length > 5) this.#stalls.shift();
      },
    });
  }

  async #stopWatchdog(): Promise<void> {
    const dog = this.#watchdog;
    this.#watchdog = null;
    if (dog !== null) await dog.stop();
  }

  #drive(): void {
    if (this.#driver !== null || this.#paused || this.#closed) return;
    this.#driver = setImmediate(() => {
      this.#driver = null;
      if (this.#paused || this.#closed) return;
      const loop = this.#workload.loop;
      if (!loop.isClosed) loop.runOnce(LAB_TICK_MAX_MS);
      this.#drive();
    });
  }

  #scheduleFrame(): void {
    if (this.#closed) return;
    this.#frameTimer = this.#pageLoop.callLater(LAB_FRAME_MS, () => {
      this.#frame();
      this.#scheduleFrame();
    });
  }

  /** Sends one frame to every stream (the iterations since the previous frame). */
  #frame(): void {
    if (this.#streams.size === 0 || this.#closed) return;
    const frame = this.state(this.#sentIteration);
    this.#sentIteration = this.#workload.loop.stats().iterations;
    this.#send(frame);
  }

  /** Writes `frame` to each stream whose previous frame was taken by the kernel. */
  #send(frame: Record<string, unknown>, only?: Exchange): void {
    const data = `data: ${JSON.stringify(frame)}\n\n`;
    for (const [ex, full] of this.#streams) {
      if (only !== undefined && ex !== only) continue;
      if (ex.connection.signal.aborted) this.#streams.delete(ex);
      else if (!full && !ex.response.write(data)) {
        // A page that does not keep up skips frames until its buffer drained: the rate stays bounded.
        this.#streams.set(ex, true);
        ex.response.drain().then(
          () => this.#streams.has(ex) && this.#streams.set(ex, false),
          () => this.#streams.delete(ex),
        );
      }
    }
  }

  #json(ex: Exchange, status: number, body: unknown): void {
    ex.response
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  }

  async #handle(ex: Exchange): Promise<void> {
    const url = new URL(ex.head.target, 'http://lab');
    const path = url.pathname;
    if (ex.head.method === 'GET' && path === '/') {
      ex.response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LAB_PAGE_HTML);
      return;
    }
    if (ex.head.method === 'GET' && path === '/events') {
      ex.response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      this.#streams.set(ex, false);
      ex.connection.signal.addEventListener('abort', () => this.#streams.delete(ex));
      this.#send(this.state(), ex); // the newest iterations, then every frame from the next one on
      return;
    }
    if (ex.head.method === 'GET' && path === '/api/state') return this.#json(ex, 200, this.state());
    if (ex.head.method !== 'POST' || !path.startsWith('/api/')) {
      return this.#json(ex, 404, { error: `No ${ex.head.method} ${path}: see GET / for the page.` });
    }
    await ex.body.readAll();
    try {
      const action = path.slice('/api/'.length);
      let result: unknown = null;
      if (action === 'pause') this.pause();
      else if (action === 'resume') this.resume();
      else if (action === 'step') result = this.step();
      else if (action === 'idle') this.#workload.addIdleClients();
      else if (action === 'slow') this.#workload.addSlowReader();
      else if (action === 'block') this.#workload.addBlockingCallback();
      else if (action === 'backend')
        await this.switchBackend((url.searchParams.get('name') ?? '') as SelectorName);
      else return this.#json(ex, 404, { error: `No action ${JSON.stringify(action)}.` });
      this.#json(ex, 200, { ok: true, record: result });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      this.#json(ex, 400, { error: e.message ?? String(err), code: e.code ?? null });
    }
  }
}
