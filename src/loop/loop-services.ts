/**
 * @internal The base class of EventLoop (src/loop/event-loop.ts): what a loop offers besides its
 * iteration, its timers and its I/O watchers — signal handlers, channels from worker threads,
 * close hooks, the exception handler, the flight recorder's and the watchdog's callback probes,
 * and `runUntilComplete`. None of it runs per iteration or per callback, so it lives apart from
 * the hot path. It owns its own `#private` fields; EventLoop reaches them through the
 * `@internal protected` methods below, and this class reaches EventLoop through its abstract
 * members (the same pattern as src/compat/transport-duplex.ts under socket.ts).
 *
 * @module
 */
import type { CompletionQueue } from '../completion/completion.ts';
import { ClosedResourceError, InvalidArgumentError } from '../errors.ts';
import type { Selector } from '../selector/selector.ts';
import { CloseHooks, type LoopCloseTarget } from './close-hooks.ts';
import type { RunMode } from './event-loop-types.ts';
import type { ExceptionHandler, ExceptionReporter } from './exceptions.ts';
import type { Handle } from './handle.ts';
import type { IoWatchers, Watcher } from './io-watchers.ts';
import type { LoopParts } from './open-loop-parts.ts';
import { BothProbes, type CallbackProbe, LoopRecorder } from './recorder.ts';
import { SignalHandlers } from './signals.ts';
import { ThreadsafeChannel } from './threadsafe.ts';
import type { Waker } from './waker.ts';

/** @internal The services of an EventLoop; see the module comment. */
export abstract class LoopServices {
  /** The selector this loop waits on. */
  readonly selector: Selector<Watcher>;
  /** The run mode, fixed at construction. */
  readonly mode: RunMode;
  /** The flight recorder: off by default; `loop.recorder.enable(n)` turns it on. */
  readonly recorder: LoopRecorder;
  readonly #io: IoWatchers;
  readonly #completion: CompletionQueue | null;
  readonly #exceptions: ExceptionReporter;
  readonly #waker: Waker;
  readonly #signals: SignalHandlers;
  readonly #channels = new Set<ThreadsafeChannel>();
  readonly #closeHooks = new CloseHooks();
  /** The watchdog's per-callback heartbeat, while one watches this loop. */
  #watchProbe: CallbackProbe | null = null;

  /** @param parts what the loop opened (see openLoopParts) */
  constructor(parts: LoopParts) {
    this.selector = parts.selector;
    this.mode = parts.mode;
    this.#io = parts.io;
    this.#completion = parts.completion;
    this.#exceptions = parts.exceptions;
    this.#waker = parts.waker;
    this.#signals = new SignalHandlers({ deliverSignal: (cb) => this.#fromOutside(cb) });
    this.recorder = new LoopRecorder({
      wakerFd: parts.waker.readFd,
      probesChanged: () => this.#probesChanged(),
    });
  }

  /** True after `close()`. */
  abstract get isClosed(): boolean;
  /** Runs until `stop()` (see EventLoop). */
  abstract run(): Promise<void>;
  /** Makes `run()` return after the current iteration (see EventLoop). */
  abstract stop(): void;
  /** Runs `callback(...args)` on the next iteration (see EventLoop). */
  abstract callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle;
  /** @internal The recorder started (`rec`) or stopped (null) recording. */
  protected abstract recordingChanged(rec: LoopRecorder | null): void;

  /** @internal The signal handlers, for the loop's wait and its `close()`. */
  protected get signalHandlers(): SignalHandlers {
    return this.#signals;
  }

  // ── signals and threads ───────────────────────────────────────────────────────────────

  /**
   * Runs `callback(signal)` on the loop when the process receives `signal`. Node owns signals:
   * this subscribes with `process.on` and forwards through the waker (see signals.ts).
   * @throws InvalidArgumentError for an unknown signal or one that cannot be caught
   */
  addSignalHandler(signal: NodeJS.Signals, callback: (signal: NodeJS.Signals) => void): void {
    this.#checkOpen('addSignalHandler');
    if (!/^SIG[A-Z0-9]+$/.test(signal) || signal === 'SIGKILL' || signal === 'SIGSTOP') {
      throw new InvalidArgumentError(
        `Cannot handle signal '${signal}': name a catchable signal such as 'SIGINT', 'SIGTERM' or 'SIGUSR2'.`,
      );
    }
    this.#signals.add(signal, callback);
  }

  /** Stops handling `signal`. @returns whether a handler was installed */
  removeSignalHandler(signal: NodeJS.Signals): boolean {
    return this.#signals.remove(signal);
  }

  /**
   * Opens a channel through which worker threads call into this loop (see threadsafe.ts):
   * pass `channel.endpoint` to the worker, which posts with a `ThreadsafeSender`.
   * `onMessage(data)` runs on the loop for each message.
   */
  openChannel(onMessage: (data: unknown) => void): ThreadsafeChannel {
    this.#checkOpen('openChannel');
    const ch = new ThreadsafeChannel(
      this.#waker.writeFd,
      this.#waker.writeFd === this.#waker.readFd,
      (data) => this.#runGuarded(() => onMessage(data), 'channel message'),
      (c) => this.#channels.delete(c),
    );
    this.#channels.add(ch);
    return ch;
  }

  /**
   * The completion queue of a completion backend (`selector: 'io_uring'`), else null.
   * Transports submit to it; the loop reaps it in its one wait and runs its callbacks in step 5.
   */
  get completion(): CompletionQueue | null {
    return this.#completion;
  }

  /** The waker's fd (the loop watches it for reading; shown by traces and the tour). */
  get wakerFd(): number {
    return this.#waker.readFd;
  }

  /**
   * Runs `hook` when the loop closes, first thing in `close()`, while the waker and channels are
   * still open — so things that own threads (an OffloadPool) can stop them before the waker's
   * descriptor goes away (a worker writing to a closed, reused fd number would write into
   * someone else's file). Hooks run once, in registration order; one that throws is reported.
   * @returns a function that unregisters the hook
   * @throws ClosedResourceError when the loop is closed already
   */
  onClose(hook: () => void): () => void {
    this.#checkOpen('onClose');
    this.#closeHooks.add(hook);
    return () => {
      this.#closeHooks.delete(hook);
    };
  }

  /**
   * @internal `onClose` without a closure per caller (a transport): `target.loopClosing()` runs
   * when the loop closes, in the same order as the hooks. Undone by `offClose(target)`.
   * @throws ClosedResourceError when the loop is closed already
   */
  onCloseCall(target: LoopCloseTarget): void {
    this.#checkOpen('onClose');
    this.#closeHooks.add(target);
  }

  /** @internal Undoes `onCloseCall(target)`. */
  offClose(target: LoopCloseTarget): void {
    this.#closeHooks.delete(target);
  }

  /** @internal `close()`, first thing: runs the close hooks (a throwing one is reported). */
  protected runCloseHooks(): void {
    this.#closeHooks.runAll(this.#exceptions);
  }

  /** @internal `close()`, after the hooks: closes every channel, unsubscribes every signal. */
  protected closeServices(): void {
    for (const ch of [...this.#channels]) ch.close();
    this.#signals.clear();
  }

  /** @internal The waker fired (drained already): each channel delivers its messages. */
  protected deliverChannels(): void {
    for (const ch of this.#channels) ch.deliver();
  }

  // ── exceptions ────────────────────────────────────────────────────────────────────────

  /** Replaces the handler called when a callback throws (null restores the default logger). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    this.#exceptions.setHandler(handler ?? undefined);
  }

  /** Reports an error with context through the exception handler, as the loop does itself. */
  reportException(error: unknown, context: string, fd = -1): void {
    this.#exceptions.report(error, context, fd);
  }

  // ── running ───────────────────────────────────────────────────────────────────────────

  /**
   * Runs the loop until `work` settles and returns its result (throws its error).
   * `work` is a promise or a function returning one (called once the loop is set up).
   */
  async runUntilComplete<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
    this.#checkOpen('runUntilComplete');
    const p = typeof work === 'function' ? Promise.resolve().then(work) : work;
    let settled = false;
    const done = p.then(
      () => {
        settled = true;
        this.stop();
      },
      () => {
        settled = true;
        this.stop();
      },
    );
    const running = this.run();
    await Promise.all([running, done]);
    if (!settled) throw new Error('unreachable: the loop stopped before the work settled');
    return p;
  }

  // ── probes ────────────────────────────────────────────────────────────────────────────

  /**
   * @internal Installs (or with null removes) the watchdog's heartbeat around every callback.
   * Used by `Watchdog` (src/loop/watchdog.ts); one at a time.
   */
  setWatchdogProbe(probe: CallbackProbe | null): void {
    this.#watchProbe = probe;
    this.#probesChanged();
  }

  /** Installs the callback probes of the recorder and the watchdog (both, one or none). */
  #probesChanged(): void {
    const rec = this.recorder.enabled ? this.recorder : null;
    this.recordingChanged(rec);
    const w = this.#watchProbe;
    this.#io.probe = rec !== null && w !== null ? new BothProbes(rec, w) : (rec ?? w);
    // io_uring: the completion callbacks (step 5) are probed too
    if (this.#completion !== null) this.#completion.probe = this.#io.probe;
    this.#io.onInterest =
      rec === null ? null : (fd, interest, owner) => rec.interestChanged(fd, interest, owner);
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  #runGuarded(fn: () => void, context: string): void {
    try {
      fn();
    } catch (err) {
      this.#exceptions.report(err, context);
    }
  }

  /** A callback arriving from Node's side (a signal listener): queue it and wake the loop. */
  #fromOutside(cb: () => void): void {
    if (this.isClosed) return;
    // the recorder's hot reference (EventLoop's) is this recorder exactly while it records
    if (this.recorder.enabled) this.recorder.noteSignal();
    this.callSoon(() => this.#runGuarded(cb, 'signal handler'));
    if (this.mode === 'owner') this.#waker.wake();
  }

  #checkOpen(what: string): void {
    if (this.isClosed) throw new ClosedResourceError(`Cannot ${what}: the event loop is closed.`);
  }
}
