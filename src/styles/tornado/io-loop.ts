/**
 * `IOLoop`: Tornado's loop API as a thin façade over an nbio {@link EventLoop}. It owns no
 * state of its own beyond the fd → handler table: every call maps to one EventLoop call, so
 * Tornado-style and nbio-style code can share one loop.
 *
 * | Tornado | here | EventLoop underneath |
 * |---|---|---|
 * | `add_handler(fd, h, READ \| WRITE)` | `addHandler` | `addReader` / `addWriter` |
 * | `add_callback(cb, *args)` | `addCallback` | `callSoon` |
 * | `call_later(seconds, cb)` | `callLater` | `callLater(ms)` |
 * | `time()` (seconds) | `time()` | `time() / 1000` |
 *
 * Times are in **seconds** (Tornado's unit). There is no `IOLoop.current()` or `instance()`:
 * create the façade from the loop you pass around (`new IOLoop(loop)`).
 *
 * `ERROR` is accepted for fidelity, but the loop has no separate error callback: on an error
 * or hang-up the selector reports the fd readable (and writable), so the handler is called
 * with `READ` (or `WRITE`) and finds the error when it reads or writes. As in Tornado, errors
 * are always watched, whether or not `ERROR` is passed. An fd ready for reading and writing at
 * once gets two calls, `READ` then `WRITE` (Tornado makes one with both bits).
 *
 * @module
 */
import { checkDeadline, checkDelay, InvalidArgumentError, TimeoutError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import { close } from '../../sys/fd.ts';

/** An fd, or an object with `fileno()` (Tornado accepts both). */
export type FileLike = number | { fileno(): number };

/** A handler: called with the fd (as passed) and the events that are ready. */
export type IOHandler = (fd: FileLike, events: number) => void;

interface HandlerEntry {
  fdObj: FileLike;
  handler: IOHandler;
  events: number;
}

function filenoOf(fd: FileLike): number {
  const n = typeof fd === 'number' ? fd : fd.fileno();
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(
      `Invalid fd ${String(n)}: pass a descriptor (an integer ≥ 0) or an object with fileno().`,
    );
  }
  return n;
}

/** Tornado's IOLoop over an EventLoop; see the module comment. */
export class IOLoop {
  /** Readable (Tornado's `IOLoop.READ`, epoll's EPOLLIN). */
  static readonly READ = 0x001;
  /** Writable (EPOLLOUT). */
  static readonly WRITE = 0x004;
  /** Error or hang-up (EPOLLERR | EPOLLHUP); always watched. */
  static readonly ERROR = 0x018;

  /** The loop underneath. */
  readonly loop: EventLoop;
  readonly #handlers = new Map<number, HandlerEntry>();

  /** @param loop the EventLoop to drive */
  constructor(loop: EventLoop) {
    this.loop = loop;
  }

  /**
   * Calls `handler(fd, events)` when `fd` is ready for `events` (READ and/or WRITE).
   * @throws InvalidArgumentError (NBIO_ALREADY_REGISTERED) when `fd` already has a handler
   */
  addHandler(fd: FileLike, handler: IOHandler, events: number): void {
    const n = filenoOf(fd);
    if (this.#handlers.has(n)) {
      throw new InvalidArgumentError(
        `Cannot addHandler for fd ${n}: it already has one. Use updateHandler() to change its events, or removeHandler() first.`,
        'NBIO_ALREADY_REGISTERED',
      );
    }
    const entry: HandlerEntry = { fdObj: fd, handler, events: 0 };
    this.#handlers.set(n, entry);
    this.#apply(n, entry, events);
  }

  /**
   * Changes the events `fd` is watched for.
   * @throws InvalidArgumentError (NBIO_NOT_REGISTERED) when `fd` has no handler
   */
  updateHandler(fd: FileLike, events: number): void {
    const n = filenoOf(fd);
    const entry = this.#handlers.get(n);
    if (entry === undefined) {
      throw new InvalidArgumentError(
        `Cannot updateHandler for fd ${n}: it has no handler. Call addHandler() first.`,
        'NBIO_NOT_REGISTERED',
      );
    }
    this.#apply(n, entry, events);
  }

  /** Stops watching `fd`. Does nothing when it has no handler (as in Tornado). */
  removeHandler(fd: FileLike): void {
    const n = filenoOf(fd);
    if (!this.#handlers.delete(n)) return;
    this.loop.removeReader(n);
    this.loop.removeWriter(n);
  }

  /** Runs `callback(...args)` on the next loop iteration. */
  addCallback<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void {
    this.loop.callSoon(callback, ...args);
  }

  /** Calls `callback(promise)` on the loop once `promise` settles (Tornado's `add_future`). */
  addFuture<T>(promise: PromiseLike<T>, callback: (promise: PromiseLike<T>) => void): void {
    const done = () => {
      if (!this.loop.isClosed) this.loop.callSoon(callback, promise);
    };
    promise.then(done, done);
  }

  /** Runs `callback(...args)` after `delaySec` seconds. @returns a handle for `removeTimeout` */
  callLater<A extends unknown[]>(delaySec: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    // The Tornado style counts seconds: the message says so.
    checkDelay(delaySec, 'callLater delay', { unit: 's' });
    return this.loop.callLater(delaySec * 1000, callback, ...args);
  }

  /** Runs `callback(...args)` at loop time `whenSec` (seconds, as `time()` returns). */
  callAt<A extends unknown[]>(whenSec: number, callback: (...args: A) => void, ...args: A): TimerHandle {
    checkDeadline(whenSec, 'callAt time', 's');
    return this.loop.callAt(whenSec * 1000, callback, ...args);
  }

  /** Tornado's `add_timeout(deadline, callback)`: `callAt` by another name. */
  addTimeout<A extends unknown[]>(
    deadlineSec: number,
    callback: (...args: A) => void,
    ...args: A
  ): TimerHandle {
    return this.callAt(deadlineSec, callback, ...args);
  }

  /** Cancels a timeout from `callLater`/`callAt`/`addTimeout`; safe to call after it ran. */
  removeTimeout(handle: TimerHandle): void {
    handle.cancel();
  }

  /** Loop time in seconds (monotonic). */
  time(): number {
    return this.loop.time() / 1000;
  }

  /**
   * Runs the loop until `fn()` settles and returns its result (Tornado's `run_sync`).
   * @param options `timeoutSec`: reject with TimeoutError after that many seconds
   */
  async runSync<T>(fn: () => T | PromiseLike<T>, options: { timeoutSec?: number } = {}): Promise<T> {
    const timeoutMs =
      options.timeoutSec === undefined
        ? undefined
        : checkDelay(options.timeoutSec, 'runSync timeoutSec', { unit: 's' }) * 1000;
    const work = (async () => fn())();
    if (timeoutMs === undefined) return this.loop.runUntilComplete(work);
    return this.loop.runUntilComplete(
      () =>
        new Promise<T>((resolve, reject) => {
          const timer = this.loop.callLater(timeoutMs, () =>
            reject(new TimeoutError(`runSync: the operation did not finish within ${options.timeoutSec} s.`)),
          );
          work.then(
            (v) => {
              timer.cancel();
              resolve(v);
            },
            (e: unknown) => {
              timer.cancel();
              reject(e);
            },
          );
        }),
    );
  }

  /** Runs the loop until `stop()` (Tornado's `start`). */
  start(): Promise<void> {
    return this.loop.run();
  }

  /** Makes `start()` return after the current iteration. */
  stop(): void {
    this.loop.stop();
  }

  /**
   * Removes every handler and closes the loop; with `allFds`, also closes the handlers' fds
   * (Tornado's `close(all_fds=True)`).
   */
  close(options: { allFds?: boolean } = {}): void {
    for (const [n] of this.#handlers) {
      this.loop.removeReader(n);
      this.loop.removeWriter(n);
      if (options.allFds) close(n);
    }
    this.#handlers.clear();
    this.loop.close();
  }

  #apply(n: number, entry: HandlerEntry, events: number): void {
    entry.events = events;
    if (events & IOLoop.READ) {
      this.loop.addReader(n, () => entry.handler(entry.fdObj, IOLoop.READ));
    } else this.loop.removeReader(n);
    if (events & IOLoop.WRITE) {
      this.loop.addWriter(n, () => entry.handler(entry.fdObj, IOLoop.WRITE));
    } else this.loop.removeWriter(n);
  }
}
