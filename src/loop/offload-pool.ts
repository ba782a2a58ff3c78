/**
 * OffloadPool: a named, bounded pool of worker threads for calls that block (getaddrinfo, a
 * synchronous file read, CPU-heavy work), so the loop never does. See docs/offload-pool.md.
 *
 * A task is named, not passed: **module path + export name + structured-cloneable arguments**.
 * Functions cannot cross to another thread (docs/design.md, "Threads and signals"), so there are no
 * closures here. The result comes back as a message on a channel the loop owns
 * (`loop.openChannel`): the worker posts it and writes the loop's waker, so a loop blocked in
 * `select()` (owner mode) wakes at once, and the callback runs **on the loop**.
 *
 * ## Lifecycle of a task
 * `submit → queued → running → callback(err, result)`, and the callback runs exactly once:
 * - with the export's return value (awaited, if it is a promise), or the error it threw (an
 *   `Error` whose `name`, `message`, `stack` and own fields such as `code` are preserved);
 * - with `AbortedError` (NBIO_ABORTED) when `cancel()` or the AbortSignal comes first, on the
 *   next iteration. A running task cannot be interrupted: its worker finishes it and the
 *   result is dropped;
 * - with `BrokenResourceError` (NBIO_BROKEN) when the worker thread died while running it;
 * - with `ClosedResourceError` (NBIO_CLOSED) when the pool is closed first (if the loop is
 *   closed too, nothing can run the callback and it is dropped).
 * `submit` itself throws, and then never calls the callback, for bad input, a full queue
 * (`BusyResourceError`, NBIO_BUSY) or a closed pool.
 *
 * ## Threads and the process
 * Workers start lazily, one per task until `size` are running. A worker is `unref()`ed while
 * idle and `ref()`ed while it runs a task: idle workers never keep the process alive, a task
 * in flight does. `close()` terminates them.
 *
 * @module
 */
import {
  AbortedError,
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  InvalidArgumentError,
} from '../errors.ts';
import type { EventLoop } from './event-loop.ts';
import type {
  OffloadCallback,
  OffloadPoolOptions,
  OffloadPoolStats,
  OffloadTask,
  Slot,
  Task,
  WorkerMessage,
} from './offload-pool-types.ts';
import { checkTaskInput, reviveError } from './offload-task.ts';
import { spawnOffloadWorker } from './spawn-offload-worker.ts';

export type {
  OffloadCallback,
  OffloadPoolOptions,
  OffloadPoolStats,
  OffloadTask,
} from './offload-pool-types.ts';
export { workerExecArgv } from './worker-exec-argv.ts';

/** The largest pool: more threads than this is a design problem, not a tuning knob. */
const MAX_SIZE = 64;

/** A pool of worker threads for blocking calls; see the module comment. */
export class OffloadPool {
  /** The pool's name. */
  readonly name: string;
  /** Most worker threads at once. */
  readonly size: number;
  /** Most tasks waiting. */
  readonly maxQueue: number;
  readonly #loop: EventLoop;
  readonly #queue = new Map<number, Task>(); // insertion order = FIFO, O(1) removal
  readonly #slots = new Set<Slot>();
  readonly #closedFlag = new SharedArrayBuffer(4);
  #nextId = 1;
  #closed = false;
  #exitsPending = 0;
  #onAllExited: (() => void)[] = [];
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #waitCount = 0;
  #waitTotal = 0;
  #waitMax = 0;
  readonly #unhookClose: () => void;

  /**
   * @param loop the loop callbacks run on
   * @param options see {@link OffloadPoolOptions}
   * @throws InvalidArgumentError for a missing name or a size/maxQueue out of range
   */
  constructor(loop: EventLoop, options: OffloadPoolOptions) {
    const { name, size = 2, maxQueue = 1024 } = options ?? ({} as OffloadPoolOptions);
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError(
        "Cannot create an OffloadPool without a name: pass { name: 'my-pool' }.",
      );
    }
    if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
      throw new InvalidArgumentError(
        `Cannot create OffloadPool '${name}' with size ${size}: use an integer from 1 to ${MAX_SIZE}.`,
      );
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new InvalidArgumentError(
        `Cannot create OffloadPool '${name}' with maxQueue ${maxQueue}: use an integer ≥ 0.`,
      );
    }
    this.#loop = loop;
    this.name = name;
    this.size = size;
    this.maxQueue = maxQueue;
    // Stop the workers before the loop's waker closes: a worker must never write a wake-up
    // into a descriptor number that may already belong to another file.
    this.#unhookClose = loop.onClose(() => this.close());
  }

  /** True after `close()`. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `exportName(...args)` from `modulePath` in a worker thread; `callback` runs on the loop.
   * @param modulePath an absolute path, a `file:` URL (`new URL('./x.ts', import.meta.url)`) or a
   *   `node:` builtin
   * @param args structured-cloneable values, copied now (later changes to them do not count)
   * @throws InvalidArgumentError for a bad path, name or argument; BusyResourceError when the
   *   queue is full; ClosedResourceError after close() or once the loop is closed
   */
  submit(
    modulePath: string | URL,
    exportName: string,
    args: unknown[],
    callback: OffloadCallback,
    options: { signal?: AbortSignal | undefined } = {},
  ): OffloadTask {
    if (this.#closed)
      throw new ClosedResourceError(`Cannot submit to OffloadPool '${this.name}': it is closed.`);
    if (this.#loop.isClosed) {
      throw new ClosedResourceError(`Cannot submit to OffloadPool '${this.name}': its event loop is closed.`);
    }
    const { module, args: copied } = checkTaskInput(modulePath, exportName, args, callback);
    const signal = options?.signal;
    const task: Task = {
      id: this.#nextId++,
      module,
      exportName,
      args: copied,
      callback,
      submittedAt: performance.now(),
      state: 'queued',
      signal,
      onAbort: undefined,
    };
    const handle: OffloadTask = { cancel: () => this.#cancel(task, undefined) };
    if (signal?.aborted) {
      this.#cancel(task, signal.reason);
      return handle;
    }
    const idle = this.#idleSlot();
    if (idle === null && this.#slots.size >= this.size && this.#queue.size >= this.maxQueue) {
      throw new BusyResourceError(
        `Cannot submit ${exportName}() to OffloadPool '${this.name}': ${this.#queue.size} tasks already wait (maxQueue). Wait for some to finish, or raise maxQueue/size.`,
      );
    }
    if (signal !== undefined) {
      task.onAbort = () => this.#cancel(task, signal.reason);
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    this.#queue.set(task.id, task);
    this.#pump();
    return handle;
  }

  /**
   * Terminates the workers and closes their channels. Tasks not yet settled get
   * ClosedResourceError on the loop's next iteration (when the loop is still open).
   * Idempotent.
   * @param onClosed called (from Node's event loop, not this loop, which may be closed by
   *   then) once every worker thread has exited
   */
  close(onClosed?: () => void): void {
    if (onClosed !== undefined) this.#onAllExited.push(onClosed);
    if (!this.#closed) {
      this.#closed = true;
      this.#unhookClose();
      Atomics.store(new Int32Array(this.#closedFlag), 0, 1);
      const pending = [...this.#queue.values()];
      this.#queue.clear();
      for (const slot of this.#slots) {
        if (slot.task !== null) pending.push(slot.task);
        slot.task = null;
        slot.alive = false;
        slot.channel.close();
        slot.worker.terminate();
      }
      this.#slots.clear();
      for (const task of pending) {
        if (task.state === 'settled') continue;
        this.#settle(
          task,
          new ClosedResourceError(
            `OffloadPool '${this.name}' was closed before ${task.exportName}() finished.`,
          ),
          undefined,
          true,
        );
      }
    }
    if (this.#exitsPending === 0) this.#notifyExited();
  }

  /** Counters, as a frozen plain object. */
  stats(): OffloadPoolStats {
    let busy = 0;
    for (const s of this.#slots) if (s.task !== null) busy++;
    return Object.freeze({
      name: this.name,
      size: this.size,
      workers: this.#slots.size,
      busy,
      queueLength: this.#queue.size,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      waitMsAvg: this.#waitCount === 0 ? 0 : this.#waitTotal / this.#waitCount,
      waitMsMax: this.#waitMax,
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  /** Hands queued tasks to idle workers, starting workers up to `size`. */
  #pump(): void {
    while (this.#queue.size > 0 && !this.#closed) {
      let slot: Slot | null;
      try {
        slot = this.#idleSlot() ?? (this.#slots.size < this.size ? this.#startWorker() : null);
      } catch (err) {
        // No thread could start (resource limits): with none alive, nothing would ever run
        // the queue, so fail it; otherwise the live workers will get to it.
        if (this.#slots.size === 0) this.#failQueue(err);
        return;
      }
      if (slot === null) return;
      const task = this.#queue.values().next().value as Task;
      this.#queue.delete(task.id);
      const waited = performance.now() - task.submittedAt;
      this.#waitCount++;
      this.#waitTotal += waited;
      if (waited > this.#waitMax) this.#waitMax = waited;
      task.state = 'running';
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({
        id: task.id,
        module: task.module,
        exportName: task.exportName,
        args: task.args,
      });
    }
  }

  #idleSlot(): Slot | null {
    for (const s of this.#slots) if (s.task === null && s.alive) return s;
    return null;
  }

  #startWorker(): Slot {
    let slot: Slot | null = null; // the channel's callback needs the slot, and vice versa
    const { worker, channel } = spawnOffloadWorker(this.#loop, this.#closedFlag, (data) => {
      if (slot !== null) this.#onLoopMessage(slot, data as WorkerMessage);
    });
    const s: Slot = { worker, channel, task: null, alive: true, lastError: undefined };
    slot = s;
    this.#slots.add(s);
    this.#exitsPending++;
    worker.unref();
    worker.on('error', (err) => {
      s.lastError = err;
    });
    worker.on('message', (m: { type?: string }) => {
      // Safety net: the loop was closed without closing this pool first.
      if (m?.type === 'idle' && this.#loop.isClosed && !this.#closed) this.close();
    });
    worker.on('exit', (code) => {
      this.#exitsPending--;
      if (s.alive) this.#onDeath(s, `exited with code ${code}`);
      if (this.#exitsPending === 0 && this.#closed) this.#notifyExited();
    });
    return s;
  }

  /** A message from a worker, delivered on the loop. */
  #onLoopMessage(slot: Slot, msg: WorkerMessage): void {
    if (msg.type === 'exit') {
      if (slot.alive) this.#onDeath(slot, `exited with code ${msg.code}`);
      return;
    }
    const task = slot.task;
    if (task === null || task.id !== msg.id) return; // stale: the task was settled elsewhere
    slot.task = null;
    slot.worker.unref();
    // Bookkeeping first, so a throwing callback cannot stall the pool.
    this.#pump();
    if (task.state === 'settled') return; // cancelled while running: drop the result
    if (msg.ok) {
      this.#completed++;
      this.#settle(task, null, msg.value, false);
    } else {
      this.#failed++;
      this.#settle(task, reviveError(msg.error), undefined, false);
    }
  }

  /** A worker thread is gone (crash, process.exit in a task, failed bootstrap). */
  #onDeath(slot: Slot, how: string): void {
    slot.alive = false;
    this.#slots.delete(slot);
    slot.channel.close();
    const task = slot.task;
    slot.task = null;
    if (task !== null && task.state !== 'settled') {
      this.#failed++;
      const err = new BrokenResourceError(
        `The worker of OffloadPool '${this.name}' ${how} while running ${task.exportName}() from ${task.module}.`,
        { cause: slot.lastError },
      );
      this.#settle(task, err, undefined, true);
    }
    if (!this.#closed && !this.#loop.isClosed) this.#pump();
  }

  #failQueue(cause: unknown): void {
    for (const task of this.#queue.values()) {
      this.#failed++;
      const msg = `OffloadPool '${this.name}' could not start a worker thread for ${task.exportName}().`;
      this.#settle(task, new BrokenResourceError(msg, { cause }), undefined, true);
    }
    this.#queue.clear();
  }

  #cancel(task: Task, reason: unknown): void {
    if (task.state === 'settled') return;
    const wasQueued = task.state === 'queued';
    this.#queue.delete(task.id);
    this.#cancelled++;
    const what = `${task.exportName}() in OffloadPool '${this.name}'`;
    const err = new AbortedError(
      wasQueued
        ? `${what} was cancelled before it started.`
        : `${what} was cancelled while running; its result will be dropped.`,
      reason === undefined ? undefined : { cause: reason },
    );
    this.#settle(task, err, undefined, true);
  }

  /** Runs the callback once: now (we are on the loop) or, with `later`, on the next iteration. */
  #settle(task: Task, err: Error | null, value: unknown, later: boolean): void {
    task.state = 'settled';
    if (task.onAbort !== undefined) task.signal?.removeEventListener('abort', task.onAbort);
    task.onAbort = undefined;
    if (later) {
      if (this.#loop.isClosed) return; // nothing can run it any more
      this.#loop.callSoon(() => task.callback(err, value));
      this.#loop.wake(); // the death of a worker is heard on Node's side: wake a blocked loop
      return;
    }
    try {
      task.callback(err, value);
    } catch (e) {
      this.#loop.reportException(e, `OffloadPool '${this.name}' callback of ${task.exportName}()`);
    }
  }

  #notifyExited(): void {
    const waiters = this.#onAllExited.splice(0);
    if (waiters.length === 0) return;
    setImmediate(() => {
      for (const w of waiters) w();
    });
  }
}
