/**
 * The loop's I/O watchers: per fd, at most one reader and one writer callback, kept in sync
 * with the selector's interest. The watcher object is the selector Token, so dispatch needs no
 * map lookup, and a watcher removed (or replaced by a new fd with the same number) during a
 * batch is recognised as stale and skipped.
 *
 * Removals may be lazy (libuv's watcher queue): `setReader(fd, null, …, true)` stops the
 * callback at once but leaves the kernel interest until `flush()`, which the loop calls before
 * each wait. A pause and a resume between two waits therefore cost no system call. Additions
 * are applied at once (a guest loop's libuv must see the interest before it polls). An eager
 * change, or a removal of the last callback, syncs the fd at once, so a caller that removes
 * eagerly before closing an fd never leaves a closed fd in the selector.
 *
 * @module
 */
import { Interest, Ready, type Selector } from '../selector/selector.ts';
import type { ExceptionReporter } from './exceptions.ts';
import type { LoopObserver } from './loop-observer.ts';
import type { CallbackProbe } from './recorder.ts';
import type { Labelled } from './recorder-types.ts';

/**
 * An I/O callback; receives the fd, and the watcher's `owner` as `this`, so a class can pass
 * one method shared by all its instances instead of a closure per instance.
 */
export type IoCallback = (fd: number) => void;

/** One fd's reader and writer. The selector token for that fd. */
export interface Watcher {
  readonly fd: number;
  reader: IoCallback | null;
  writer: IoCallback | null;
  /** False once removed: events still in the current batch for it are skipped. */
  active: boolean;
  /** Who watches the fd (a transport, a listener), named by the flight recorder; null: unnamed. */
  owner: Labelled | null;
  /** The interest the selector holds for the fd (it lags the callbacks after a lazy removal). */
  registered: number;
  /** In the queue of lazy removals waiting for `flush()`. */
  queued: boolean;
}

/** The loop's fd → watcher table; see the module comment. */
export class IoWatchers {
  readonly #selector: Selector<Watcher>;
  readonly #byFd = new Map<number, Watcher>();
  /** Watchers with a lazy removal not yet applied to the selector. */
  #queue: Watcher[] = [];
  /** Called when the queue turns non-empty (a guest loop flushes in a microtask). */
  onQueued: (() => void) | null = null;
  /** Watchers with at least one callback. */
  #live = 0;
  #readers = 0;
  #writers = 0;
  /** I/O callbacks run so far. */
  callbacksRun = 0;
  /** Set by the loop while the recorder or the watchdog is on: called around each callback. */
  probe: CallbackProbe | null = null;
  /** Set by the loop while recording: told of every interest change. */
  onInterest: ((fd: number, interest: number, owner: Labelled | null) => void) | null = null;

  /** @param selector where interest is registered */
  constructor(selector: Selector<Watcher>) {
    this.#selector = selector;
  }

  /** Number of fds watched (with a reader or a writer). */
  get watched(): number {
    return this.#live;
  }
  /** True while `fd` has a reader or a writer. */
  has(fd: number): boolean {
    return this.#byFd.has(fd);
  }

  /** Number of readers. */
  get readers(): number {
    return this.#readers;
  }
  /** Number of writers. */
  get writers(): number {
    return this.#writers;
  }

  /**
   * Sets (or with null removes) the reader of `fd`; `lazy`: a removal reaches the selector at
   * the next `flush()` (the fd must stay open until then or until an eager removal).
   * @returns whether one was set before
   */
  setReader(fd: number, cb: IoCallback | null, owner: Labelled | null = null, lazy = false): boolean {
    return this.#set(fd, cb, true, owner, lazy);
  }

  /** Sets (or with null removes) the writer of `fd`; `lazy`: see setReader. @returns whether one was set before */
  setWriter(fd: number, cb: IoCallback | null, owner: Labelled | null = null, lazy = false): boolean {
    return this.#set(fd, cb, false, owner, lazy);
  }

  /** Whether lazy removals wait for `flush()`. */
  get pending(): boolean {
    return this.#queue.length > 0;
  }

  /** Applies the lazy removals to the selector (the loop calls it before each wait). */
  flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    for (const w of queue) {
      w.queued = false;
      if (w.active) this.#sync(w);
    }
  }

  /**
   * Runs the callbacks a ready event asks for. A throwing callback is reported, never allowed
   * to stop the loop; a callback that removes its watcher stops the rest for that fd.
   */
  dispatch(w: Watcher, ready: number, exceptions: ExceptionReporter, obs: LoopObserver | undefined): void {
    if (!w.active) return;
    const p = this.probe;
    if (ready & Ready.Readable && w.reader !== null) {
      if (p !== null) p.begin('reader', w.fd, w.reader, w.owner);
      this.#call(w, w.reader, exceptions, obs, 'reader');
      if (p !== null) p.end();
    }
    if (ready & Ready.Writable && w.active && w.writer !== null) {
      if (p !== null) p.begin('writer', w.fd, w.writer, w.owner);
      this.#call(w, w.writer, exceptions, obs, 'writer');
      if (p !== null) p.end();
    }
  }

  /** Forgets a watcher whose fd turned out to be closed (the selector reported Invalid). */
  dropInvalid(fd: number, w: Watcher): void {
    if (this.#byFd.get(fd) !== w) return;
    this.#remove(w);
  }

  /** Removes every watcher. */
  clear(): void {
    for (const w of [...this.#byFd.values()]) this.#remove(w);
    this.#queue = [];
  }

  #call(
    w: Watcher,
    cb: IoCallback,
    exceptions: ExceptionReporter,
    obs: LoopObserver | undefined,
    role: string,
  ): void {
    this.callbacksRun++;
    const t0 = obs?.callbackRan ? performance.now() : 0;
    try {
      cb.call(w.owner, w.fd);
    } catch (err) {
      exceptions.report(err, `I/O ${role} callback`, w.fd, cb);
    }
    if (obs?.callbackRan) obs.callbackRan('io', w.fd, performance.now() - t0);
  }

  #set(fd: number, cb: IoCallback | null, isReader: boolean, owner: Labelled | null, lazy: boolean): boolean {
    const w = this.#byFd.get(fd);
    const had = w !== undefined && (isReader ? w.reader : w.writer) !== null;
    if (cb === null && !had) {
      // An eager removal after a lazy one: apply it now (the caller may close the fd next).
      if (!lazy && w !== undefined && w.registered !== interestOf(w)) this.#sync(w);
      return false;
    }
    if (w === undefined) {
      const interest = isReader ? Interest.Readable : Interest.Writable;
      const added: Watcher = {
        fd,
        reader: isReader ? cb : null,
        writer: isReader ? null : cb,
        active: true,
        owner,
        registered: interest,
        queued: false,
      };
      this.#selector.register(fd, interest, added);
      this.#byFd.set(fd, added);
      this.#live++;
      if (this.onInterest !== null) this.onInterest(fd, interest, owner);
    } else {
      const before = interestOf(w);
      if (isReader) w.reader = cb;
      else w.writer = cb;
      if (owner !== null) w.owner = owner;
      const after = interestOf(w);
      if (before === 0 && after !== 0) this.#live++;
      else if (before !== 0 && after === 0) this.#live--;
      if (after === w.registered) {
        // nothing for the selector (a resume undid a lazy pause)
      } else if (lazy && cb === null) {
        if (!w.queued) {
          w.queued = true;
          this.#queue.push(w);
          if (this.#queue.length === 1 && this.onQueued !== null) this.onQueued();
        }
      } else this.#sync(w);
    }
    const delta = (cb !== null ? 1 : 0) - (had ? 1 : 0);
    if (isReader) this.#readers += delta;
    else this.#writers += delta;
    return had;
  }

  /** Makes the selector hold the interest of `w`'s callbacks (dropping `w` when none is left). */
  #sync(w: Watcher): void {
    const after = interestOf(w);
    if (after === w.registered) return;
    if (after === 0) this.#detach(w);
    else {
      this.#selector.modify(w.fd, after, w);
      w.registered = after;
    }
    if (this.onInterest !== null) this.onInterest(w.fd, after, w.owner);
  }

  /** Drops a watcher with whatever callbacks it still has. */
  #remove(w: Watcher): void {
    if (w.reader !== null) this.#readers--;
    if (w.writer !== null) this.#writers--;
    if (w.reader !== null || w.writer !== null) this.#live--;
    w.reader = null;
    w.writer = null;
    this.#detach(w);
  }

  /** Marks `w` stale (events of this batch skip it) and takes it out of the table and the selector. */
  #detach(w: Watcher): void {
    w.active = false;
    w.registered = 0;
    this.#byFd.delete(w.fd);
    if (this.#selector.get(w.fd)?.token === w) this.#selector.unregister(w.fd);
  }
}

function interestOf(w: Watcher): number {
  return (w.reader !== null ? Interest.Readable : 0) | (w.writer !== null ? Interest.Writable : 0);
}
