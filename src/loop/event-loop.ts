/**
 * The EventLoop: a ready queue, a timer heap and I/O watchers over one Selector. The order of
 * one iteration lives in `runOnce()` only, and reads as docs/loop-iteration.md draws it.
 *
 * ## Run modes
 * - **guest** (default when the selector has a pollable fd: epoll, kqueue): libuv watches the
 *   selector's fd; each wake runs one iteration with a zero timeout, then returns to libuv, so
 *   microtasks, `process.nextTick`, Node's timers and Node's own I/O keep running alongside.
 *   The loop's timers are driven by one re-armed Node timer. The loop works as soon as it has
 *   work; `run()` only waits for `stop()`.
 * - **owner** (the only mode for select and poll): `run()` is the classic
 *   `while (running) { select(timeout); dispatch(); }` and blocks inside the selector. After each
 *   iteration it yields one macrotask turn (`setImmediate`), which is what lets promise chains
 *   of any depth, nextTicks, Node's timers and `process.on` signal listeners run; `await null`
 *   would not (measured: chains of 2+ steps stall). Nothing runs in owner mode without `run()`,
 *   `runUntilComplete()` or `runOnce()`.
 *
 * ## Keeping the process alive
 * Like Node's handles: a guest loop keeps the process alive while it has I/O watchers, pending
 * timers or ready callbacks, or while `run()` is waiting. `close()` releases everything.
 *
 * ## Files
 * This file is the hot path, in one class (its `#private` fields are read without indirection):
 * the iteration, timers, I/O watchers, run/stop/close, stats. The cold side — signal handlers,
 * worker-thread channels, close hooks, the exception handler, the recorder's and watchdog's
 * probes, `runUntilComplete` — is its base class `LoopServices` (loop-services.ts); what the
 * constructor opens comes from `openLoopParts` (open-loop-parts.ts).
 *
 * @module
 */

import type { CompletionQueue } from '../completion/completion.ts';
import { BusyResourceError, ClosedResourceError, checkDeadline, checkDelay } from '../errors.ts';
import { Ready, type ReadyEvent } from '../selector/selector.ts';
import type { Clock } from './clock.ts';
import type { EventLoopOptions, EventLoopStats } from './event-loop-types.ts';
import type { ExceptionReporter } from './exceptions.ts';
import { GuestDriver, type GuestWakeReason } from './guest-driver.ts';
import { deadlineAfter, Handle, TimerHandle, type TimerOwner } from './handle.ts';
import type { IoCallback, IoWatchers, Watcher } from './io-watchers.ts';
import type { LoopObserver } from './loop-observer.ts';
import { LoopServices } from './loop-services.ts';
import { openLoopParts, releaseLoopParts } from './open-loop-parts.ts';
import { ownerWaitCap, timeoutReason } from './owner-wait-cap.ts';
import { ReadyQueue } from './ready-queue.ts';
import type { LoopRecorder } from './recorder.ts';
import { traceToFile } from './recorder-trace.ts';
import type { Labelled, WakeReason } from './recorder-types.ts';
import type { SignalHandlers } from './signals.ts';
import { TimerHeap } from './timer-heap.ts';
import type { Waker } from './waker.ts';

export type { LoopCloseTarget } from './close-hooks.ts';
export type { EventLoopOptions, EventLoopStats, RunMode } from './event-loop-types.ts';

/** The arguments of every callback scheduled without any. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** The loop's own waker, as the flight recorder names it. */
const WAKER_LABEL = Object.freeze({ label: 'waker' });

/** An event loop; see the module comment for its modes. */
export class EventLoop extends LoopServices implements TimerOwner {
  readonly #clock: Clock;
  readonly #observer: LoopObserver | undefined;
  /** The recorder while it records, else null (the one branch per phase). */
  #rec: LoopRecorder | null = null;
  /** Guest mode, while recording: what libuv called back for. */
  #trigger: WakeReason | null = null;
  readonly #ready = new ReadyQueue();
  readonly #timers = new TimerHeap();
  readonly #io: IoWatchers;
  /** The completion queue when the backend has one (io_uring); its callbacks run in step 5. */
  readonly #completion: CompletionQueue | null;
  readonly #signals: SignalHandlers;
  readonly #exceptions: ExceptionReporter;
  readonly #waker: Waker;
  #sequence = 0;
  /** The loop's cached time (libuv's `uv_now`) while `#nowCached`; see `timerBase()`. */
  #now = 0;
  #nowCached = false;
  /** Outside an iteration, cache the time for one JS turn: only for the real clock. */
  readonly #cacheOutside: boolean;
  /** Guest mode: the Immediate that applies the lazy interest removals is pending. */
  #flushQueued = false;
  readonly #flushIo = (): void => {
    this.#flushQueued = false;
    if (!this.#closed) this.#io.flush();
  };
  readonly #forgetNow = (): void => {
    if (!this.#inIteration) this.#nowCached = false;
  };
  #closed = false;
  #closing = false;
  #inIteration = false;
  #running = false;
  #stopping = false;
  #runWaiters: (() => void)[] = [];
  /** Guest mode: the Node side (libuv's watch, the Immediate, the Node timer); else null. */
  #guest: GuestDriver | null = null;
  /** Pending timers that were `unref()`ed (ref/unref: see `unrefFd`). */
  #unrefTimers = 0;
  /** Descriptors whose watchers do not keep the process alive (`unrefFd`). */
  readonly #unrefFds = new Set<number>();
  // stats
  #iterations = 0;
  #timersFired = 0;
  #soonCallbacks = 0;
  #pollMs = 0;

  /** @param options see {@link EventLoopOptions} */
  constructor(options: EventLoopOptions = {}) {
    const parts = openLoopParts(options); // selector, mode, clock, io, completion, waker
    super(parts); // selector, mode, recorder, signals, channels, close hooks (loop-services.ts)
    this.#clock = parts.clock;
    this.#cacheOutside = parts.cacheOutside;
    this.#observer = parts.observer;
    this.#exceptions = parts.exceptions;
    this.#io = parts.io;
    this.#completion = parts.completion;
    this.#waker = parts.waker;
    this.#signals = this.signalHandlers;
    // Guest mode: libuv polls the selector's fd after our callbacks, microtasks and Immediates
    // (its check phase), so lazy removals are applied by an Immediate queued at the end of the
    // iteration (or at once outside one): promise chains of any depth the iteration started (a
    // stream's read, write, drain, next read: a resume) run before it (issue 14).
    if (this.mode === 'guest')
      this.#io.onQueued = () => {
        if (!this.#inIteration) this.#queueFlush();
      };
    // A constructor that throws must release what it opened (issue 9): the selector, the waker.
    try {
      this.#io.setReader(this.#waker.readFd, () => this.#onWake(), WAKER_LABEL);
    } catch (err) {
      releaseLoopParts(parts);
      throw err; // e.g. select with the eventfd ≥ FD_SETSIZE: NBIO_FD_TOO_LARGE
    }
    if (options.recorder !== undefined) this.recorder.enable(options.recorder);
    if (this.mode === 'guest') {
      try {
        this.#guest = new GuestDriver(this.selector.capabilities.pollableFd!, this.#timers, this.#clock, {
          wake: this.#onGuestWake,
          timersHold: () => this.#timers.size > this.#unrefTimers,
        });
      } catch (err) {
        releaseLoopParts(parts);
        throw err;
      }
      this.#updateRef();
    }
    // NBIO_TRACE=trace.json: every loop streams its iterations into that Chrome trace file.
    const tracePath = process.env.NBIO_TRACE;
    if (tracePath !== undefined && tracePath !== '') traceToFile(this, tracePath);
  }

  /** @internal LoopServices: the recorder started (`rec`) or stopped (null) recording. */
  protected recordingChanged(rec: LoopRecorder | null): void {
    this.#rec = rec;
    this.#trigger = null;
  }

  // ── scheduling ────────────────────────────────────────────────────────────────────────

  /**
   * Loop time now, in ms (monotonic): the time timers count from, cached like libuv's `uv_now`
   * (read once per iteration, after the wait; outside an iteration once per JavaScript turn).
   * It does not move during one callback or one synchronous run of code.
   */
  time(): number {
    return this.timerBase();
  }

  /** Runs `callback(...args)` on the next iteration. @throws ClosedResourceError */
  callSoon<A extends unknown[]>(callback: (...args: A) => void, ...args: A): Handle {
    this.#checkOpen('callSoon');
    const h = new Handle(callback as unknown as (...a: never[]) => void, args.length === 0 ? NO_ARGS : args);
    this.#ready.push(h);
    if (this.#guest !== null && !this.#inIteration) this.#guest.scheduleTick();
    return h;
  }

  /** Runs `callback(...args)` once `delayMs` has passed. @throws ClosedResourceError, InvalidArgumentError */
  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => void, ...args: A): TimerHandle;
  // The implementation reads `arguments` instead of a rest parameter: most timers take no
  // arguments and share NO_ARGS, where a rest parameter would allocate an array per call.
  callLater(delayMs: number, callback: (...a: never[]) => void): TimerHandle {
    this.#checkOpen('callLater');
    checkDelay(delayMs, 'callLater delay');
    // biome-ignore lint/complexity/noArguments: a rest parameter allocates an array per timer (32 B), `arguments` read in optimized code does not
    const args = arguments.length > 2 ? Array.prototype.slice.call(arguments, 2) : NO_ARGS;
    // The cached time read here, not through a call: a double returned or passed is boxed.
    const base = this.#nowCached ? this.#now : this.timerBase();
    const t = new TimerHandle(this, deadlineAfter(base, delayMs), this.#sequence++, callback, args);
    this.#timers.push(t, delayMs);
    if (this.#guest !== null) this.#guest.timerAdded(t, !this.#inIteration);
    return t;
  }

  /** Runs `callback(...args)` at loop time `when` (see `time()`). */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => void, ...args: A): TimerHandle;
  callAt(when: number, callback: (...a: never[]) => void): TimerHandle {
    this.#checkOpen('callAt');
    checkDeadline(when, 'callAt time');
    // biome-ignore lint/complexity/noArguments: as in callLater
    const args = arguments.length > 2 ? Array.prototype.slice.call(arguments, 2) : NO_ARGS;
    const t = new TimerHandle(this, when, this.#sequence++, callback, args);
    this.#timers.push(t);
    if (this.#guest !== null) this.#guest.timerAdded(t, !this.#inIteration);
    return t;
  }

  /**
   * @internal The time a new deadline counts from. Like libuv's `uv_now`, it is read
   * once per iteration (after the wait) and stays the same for the callbacks of that iteration;
   * outside an iteration the real clock is read once per JavaScript turn (a microtask forgets
   * it), as Node's `setTimeout` counts from libuv's cached time. So a timer set after long
   * synchronous work counts from the start of that work. An injected clock (a FakeClock) is
   * read afresh outside iterations. `time()` returns the same value.
   */
  timerBase(): number {
    if (this.#nowCached) return this.#now;
    const now = this.#clock.now();
    if (this.#cacheOutside) {
      this.#now = now;
      this.#nowCached = true;
      queueMicrotask(this.#forgetNow);
    }
    return now;
  }

  /** @internal TimerOwner: a timer was cancelled. */
  timerCancelled(t: TimerHandle): void {
    if (t.active && !t.hasRef()) this.#unrefTimers--;
    this.#timers.remove(t);
    // Guest mode: with no timer left, disarm the Node timer so a cancelled timer neither wakes
    // us nor keeps the process alive. Otherwise it stays armed (lazy, see GuestDriver.armNodeTimer).
    if (this.#guest !== null && !this.#inIteration && !this.#closed && this.#timers.size === 0)
      this.#guest.armNodeTimer();
  }

  /** @internal TimerOwner: `t` is re-armed `delayMs` from the loop's cached time. */
  timerRescheduled(t: TimerHandle, delayMs: number): void {
    const previousWhen = t.when;
    const when = deadlineAfter(this.#nowCached ? this.#now : this.timerBase(), delayMs);
    t.when = when;
    if (this.#closed) return;
    t.sequence = this.#sequence++;
    if (!t.active && !t.hasRef()) this.#unrefTimers++;
    this.#timers.update(t, when < previousWhen, delayMs);
    const guest = this.#guest;
    if (guest !== null && !this.#inIteration && t.when < guest.nodeTimerWhen) guest.armNodeTimer();
  }

  /** @internal TimerOwner: `t.ref()`/`t.unref()` was called. */
  timerRefChanged(t: TimerHandle): void {
    if (t.active) this.#unrefTimers += t.hasRef() ? -1 : 1;
    this.#guest?.syncNodeTimerRef();
  }

  // ── I/O watchers ──────────────────────────────────────────────────────────────────────

  /**
   * `fd`'s watchers stop keeping the process alive (libuv's `uv_unref` on a handle): a guest
   * loop releases its hold on Node's loop once only unreferenced watchers and timers remain
   * (`TimerHandle.unref()`), so the process can exit. Transports and servers call it from
   * their `unref()`; whoever calls it calls `refFd(fd)` before closing `fd`. Owner-mode
   * `run()` ignores it (it runs until `stop()`).
   */
  unrefFd(fd: number): void {
    if (this.#closed) return;
    this.#unrefFds.add(fd);
    this.#updateRef();
  }

  /** Undoes `unrefFd(fd)` (and forgets `fd`: call it before closing an unreferenced fd). */
  refFd(fd: number): void {
    if (this.#unrefFds.delete(fd) && !this.#closed) this.#updateRef();
  }

  /**
   * Calls `callback(fd)` whenever `fd` is readable; replaces a previous reader. `owner` names
   * the fd in the flight recorder and the watchdog (read only while they are on), and is the
   * callback's `this` (a class passes one shared method instead of a closure per instance).
   */
  addReader(fd: number, callback: IoCallback, owner: Labelled | null = null): void {
    this.#checkOpen('addReader');
    this.#io.setReader(fd, callback, owner);
    this.#updateRef();
  }

  /**
   * Stops watching `fd` for reading. `lazy`: the callback stops at once, but the selector drops
   * the interest only before the next wait, so an `addReader` before then costs no system call
   * (a transport's pause and resume); the fd must then stay open until that wait or an eager
   * `removeReader`. @returns whether a reader was registered
   */
  removeReader(fd: number, lazy = false): boolean {
    if (this.#closed) return false;
    const had = this.#io.setReader(fd, null, null, lazy);
    this.#updateRef();
    return had;
  }

  /** Calls `callback(fd)` whenever `fd` is writable; replaces a previous writer. `owner`: see addReader. */
  addWriter(fd: number, callback: IoCallback, owner: Labelled | null = null): void {
    this.#checkOpen('addWriter');
    this.#io.setWriter(fd, callback, owner);
    this.#updateRef();
  }

  /** Stops watching `fd` for writing; `lazy`: see removeReader. @returns whether a writer was registered */
  removeWriter(fd: number, lazy = false): boolean {
    if (this.#closed) return false;
    const had = this.#io.setWriter(fd, null, null, lazy);
    this.#updateRef();
    return had;
  }

  /** Wakes the loop from a blocking wait (safe to call any time; used by `stop()`). */
  wake(): void {
    if (!this.#closed) this.#waker.wake();
  }

  // ── running ───────────────────────────────────────────────────────────────────────────

  /** True while `run()` or `runUntilComplete()` is active. */
  get isRunning(): boolean {
    return this.#running;
  }

  /** True after `close()`. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Runs until `stop()`. Owner mode: the loop blocks in its selector; guest mode: libuv waits
   * and this promise just keeps the process alive.
   * @throws BusyResourceError when already running; ClosedResourceError after close()
   */
  async run(): Promise<void> {
    this.#checkOpen('run');
    if (this.#running) throw new BusyResourceError('Cannot run: this loop is already running.');
    this.#running = true;
    this.#stopping = false;
    this.#updateRef();
    try {
      if (this.mode === 'guest') {
        await new Promise<void>((resolve) => this.#runWaiters.push(resolve));
      } else {
        for (;;) {
          // Step 8 (owner mode), taken before each iteration: one macrotask turn. Microtasks
          // drain completely (including those queued before run() was called), then Node's
          // timers, I/O and signal listeners run. See docs/loop-iteration.md.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.#stopping || this.#closed) break;
          this.runOnce();
        }
      }
    } finally {
      this.#running = false;
      this.#stopping = false;
      if (!this.#closed) this.#updateRef();
    }
  }

  /** Makes `run()` return after the current iteration. Safe to call from any callback. */
  stop(): void {
    if (!this.#running) return;
    this.#stopping = true;
    if (this.mode === 'guest') {
      const waiters = this.#runWaiters;
      this.#runWaiters = [];
      for (const w of waiters) w();
    } else {
      this.wake();
    }
  }

  /**
   * One iteration (the steps of docs/loop-iteration.md). Blocks in the selector for up to
   * `maxTimeoutMs` (default: until the next timer or event).
   * @throws BusyResourceError when called from inside an iteration
   */
  runOnce(maxTimeoutMs: number | null = null): void {
    this.#checkOpen('runOnce');
    if (this.#inIteration) throw new BusyResourceError('Cannot runOnce from inside a loop callback.');
    this.#inIteration = true;
    const obs = this.#observer;
    try {
      // 1. compute the poll timeout: 0 if callbacks are ready, else until the earliest timer,
      //    else infinite (capped by the caller's maximum).
      let timeout: number | null;
      if (this.#ready.length > 0 || this.#stopping) timeout = 0;
      else {
        const next = this.#timers.peek();
        timeout = next === undefined ? null : Math.max(0, next.when - this.#clock.now());
      }
      if (maxTimeoutMs !== null && (timeout === null || timeout > maxTimeoutMs)) timeout = maxTimeoutMs;
      if (this.mode === 'owner' && timeout !== 0) timeout = ownerWaitCap(timeout, this.#signals.size);
      const rec = this.#rec;
      if (rec !== null) {
        const reason = timeoutReason(timeout, maxTimeoutMs, {
          ready: this.#ready.length,
          stopping: this.#stopping,
          mode: this.mode,
          timers: this.#timers,
          clock: this.#clock,
          signalHandlers: this.#signals.size,
        });
        rec.beginIteration(timeout, reason, this.#trigger);
        this.#trigger = null;
      }
      // 2. observer.beforePoll(timeout)
      if (obs?.beforePoll) obs.beforePoll(timeout);
      // 3. selector.select(timeout) — the only place the loop may block
      // Time the wait only when it can block or an observer watches: a zero-timeout wait (every
      // guest iteration) would pay two clock reads to measure nothing (the recorder then starts
      // the iteration at the loop's time read after the wait).
      const timed = timeout !== 0 || obs !== undefined;
      // Lazy interest removals reach the selector now, once, before the wait.
      if (this.#io.pending) this.#io.flush();
      const t0 = timed ? performance.now() : 0;
      const events = this.selector.select(timeout);
      const t1 = timed ? performance.now() : 0;
      const slept = t1 - t0;
      // The loop's time for this iteration (libuv's uv_update_time after the poll); the real
      // clock is performance.now(), so a timed wait's end is that time already.
      this.#now = timed && this.#cacheOutside ? t1 : this.#clock.now();
      this.#nowCached = true;
      this.#pollMs += slept;
      // 4. observer.afterPoll(events, sleptMs)
      if (obs?.afterPoll) obs.afterPoll(events, slept);
      if (rec !== null) rec.afterPoll(events, timed ? t0 : this.#cacheOutside ? this.#now : -1, slept);
      // 5. dispatch I/O callbacks for the ready events (and the completed operations)
      if (events.length > 0) this.#dispatchIo(events);
      if (this.#completion !== null) this.#completion.runCompleted(this.#exceptions);
      // 6. move due timers (ordered by deadline, then by insertion) to the ready queue
      this.#collectDueTimers();
      // 7. run the callbacks that were ready when this step began (new ones wait)
      this.#runReady();
      // 7b. io_uring: submit what this iteration prepared (one io_uring_enter) and run the
      //     completions that came back during it (a SEND the socket took at once). Owner mode
      //     too: else that SEND's completion would end the next wait at once (an iteration more).
      if (this.#completion !== null && !this.#closed) this.#completion.submitAndRunInline(this.#exceptions);
      this.#iterations++;
      if (obs?.iterationDone) obs.iterationDone(this.#iterations);
      if (rec !== null) {
        const io = this.#io;
        rec.endIteration(this.#iterations, this.#ready.length, this.#timers.size, io.readers - 1, io.writers);
      }
    } finally {
      this.#inIteration = false;
      this.#nowCached = false;
    }
    // 8. let microtasks drain: guest mode by returning to libuv; owner mode in run().
    if (this.#guest !== null && !this.#closed) this.#afterGuestIteration(this.#guest);
  }

  /**
   * Releases everything. First the `onClose` hooks run: every open transport closes its
   * descriptor (its peer sees the end) and gets `connectionLost(ClosedResourceError)` right
   * here, servers close their listening sockets. Then timers are dropped, watchers removed,
   * signal handlers unsubscribed, the waker, libuv watch and selector closed; no callback of
   * this loop runs afterwards. Idempotent (a `close()` from inside a hook returns at once).
   * May be called from inside a loop callback (after `stop()` when `run()` is active).
   * @throws BusyResourceError when called while running (stop first)
   */
  close(): void {
    if (this.#closed || this.#closing) return;
    if (this.#running && !this.#stopping) {
      throw new BusyResourceError('Cannot close a running loop: call stop() and await run() first.');
    }
    this.#closing = true;
    this.runCloseHooks();
    this.#closed = true;
    this.closeServices(); // channels, signal handlers
    this.#timers.clear();
    this.#unrefTimers = 0;
    this.#unrefFds.clear();
    this.#ready.clear();
    this.#guest?.close(); // before the selector's fd closes (a stale watch aborts the process)
    this.#io.clear();
    this.#waker.close();
    this.selector.close();
    for (const w of this.#runWaiters.splice(0)) w();
  }

  /** Counters, as a frozen plain object. */
  stats(): EventLoopStats {
    return Object.freeze({
      backend: this.selector.capabilities.name,
      mode: this.mode,
      iterations: this.#iterations,
      ioCallbacks: this.#io.callbacksRun + (this.#completion?.stats().callbacksRun ?? 0),
      timersFired: this.#timersFired,
      soonCallbacks: this.#soonCallbacks,
      exceptions: this.#exceptions.count,
      readers: this.#io.readers - 1, // not counting the loop's own waker
      writers: this.#io.writers,
      timersPending: this.#timers.size,
      ready: this.#ready.length,
      pollMs: this.#pollMs,
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  #dispatchIo(events: readonly ReadyEvent<Watcher>[]): void {
    const obs = this.#observer;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!; // i < events.length
      if (ev.ready & Ready.Invalid) {
        this.#io.dropInvalid(ev.fd, ev.token);
        this.#exceptions.report(
          new ClosedResourceError(
            `fd ${ev.fd} was closed while the loop still watched it; call removeReader/removeWriter before closing.`,
          ),
          'I/O watcher',
          ev.fd,
        );
        continue;
      }
      this.#io.dispatch(ev.token, ev.ready, this.#exceptions, obs);
    }
  }

  #collectDueTimers(): void {
    const heap = this.#timers;
    heap.tidy();
    const now = this.#now;
    let due = 0;
    for (let next = heap.popDue(now); next !== undefined; next = heap.popDue(now)) {
      if (!next.hasRef()) this.#unrefTimers--;
      this.#ready.push(next);
      due++;
    }
    if (this.#rec !== null && due > 0) this.#rec.timersDue(due);
  }

  #runReady(): void {
    if (this.#ready.length === 0) return;
    const batch = this.#ready.takeBatch();
    const obs = this.#observer;
    for (let i = 0; i < batch.length; i++) {
      const h = batch[i]!; // i < batch.length
      if (h.cancelled) continue;
      const isTimer = h instanceof TimerHandle;
      if (isTimer) this.#timersFired++;
      else this.#soonCallbacks++;
      const t0 = obs?.callbackRan ? performance.now() : 0;
      const p = this.#io.probe;
      if (p !== null) p.begin(isTimer ? 'timer' : 'soon', -1, h.callback, null);
      try {
        h.run();
      } catch (err) {
        this.#exceptions.report(err, isTimer ? 'timer callback' : 'callSoon callback', -1, h.callback);
      }
      if (p !== null) p.end();
      if (obs?.callbackRan) obs.callbackRan(isTimer ? 'timer' : 'soon', -1, performance.now() - t0);
      if (this.#closed) return;
    }
    batch.length = 0;
  }

  #onWake(): void {
    this.#waker.drain();
    this.deliverChannels();
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new ClosedResourceError(`Cannot ${what}: the event loop is closed.`);
  }

  // guest mode ───────────────────────────────────────────────────────────────────────────

  /** libuv called back (GuestDriver): note why while recording, then run one iteration. */
  readonly #onGuestWake = (reason: GuestWakeReason): void => {
    if (this.#rec !== null && (reason !== 'immediate' || this.#trigger === null)) this.#trigger = reason;
    if (this.#closed || this.#inIteration) return;
    this.runOnce(0);
  };

  /** Guest mode: applies the lazy removals in this turn's check phase, before libuv polls again. */
  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(this.#flushIo);
  }

  #afterGuestIteration(guest: GuestDriver): void {
    if (this.#io.pending) this.#queueFlush();
    if (this.#ready.length > 0) guest.scheduleTick();
    guest.armNodeTimer();
    this.#updateRef();
  }

  /** Guest mode: libuv's watch holds the process while the loop has work (see `unrefFd`). */
  #updateRef(): void {
    const guest = this.#guest;
    if (guest === null) return;
    // The waker's own reader does not count as work; operations a completion transport waits
    // for (io_uring receives, sends) do.
    guest.hold(
      this.#running ||
        this.#io.watched - this.#unrefWatched() > 1 ||
        (this.#completion?.pendingOperations ?? 0) > 0,
    );
  }

  /** How many watched fds were `unrefFd`ed. */
  #unrefWatched(): number {
    if (this.#unrefFds.size === 0) return 0;
    let n = 0;
    for (const fd of this.#unrefFds) if (this.#io.has(fd)) n++;
    return n;
  }
}
