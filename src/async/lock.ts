/**
 * `Lock`: mutual exclusion between tasks (asyncio's and trio's `Lock`), FIFO-fair: `release()`
 * hands the lock straight to the longest waiter, so no later `acquire()` or `tryAcquire()`
 * can barge in between (trio's rule; asyncio lets a newcomer win).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import { cancellable, type Settle, type SignalOptions } from './cancellable.ts';

/** Counters of one lock, as a frozen plain object. */
export interface LockStats {
  /** Whether some task holds the lock. */
  readonly locked: boolean;
  /** Tasks waiting to acquire it. */
  readonly waiters: number;
}

/** A cancellable, FIFO-fair mutex. */
export class Lock {
  #locked = false;
  readonly #waiters = new Set<Settle<void>>();

  /** True while some task holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /**
   * Resolves once this task holds the lock (at once when it is free and nobody waits).
   * @throws (rejects) AbortedError when `options.signal` aborts first; the lock is then not held
   */
  acquire(options: SignalOptions = {}): Promise<void> {
    return cancellable<void>('Lock.acquire()', options.signal, (settle) => {
      if (!this.#locked) {
        this.#locked = true;
        settle.resolve();
        return undefined;
      }
      this.#waiters.add(settle);
      return () => this.#waiters.delete(settle);
    });
  }

  /** Takes the lock if it is free, without waiting. @returns whether it was taken */
  tryAcquire(): boolean {
    if (this.#locked) return false;
    this.#locked = true;
    return true;
  }

  /**
   * Releases the lock, handing it to the longest waiter if there is one.
   * @throws InvalidArgumentError when the lock is not held
   */
  release(): void {
    if (!this.#locked) {
      throw new InvalidArgumentError(
        'Cannot release the lock: it is not held. Call release() once per acquire().',
      );
    }
    const next = this.#waiters.values().next();
    if (next.done) {
      this.#locked = false;
      return;
    }
    this.#waiters.delete(next.value);
    next.value.resolve();
  }

  /**
   * Runs `fn` holding the lock and releases it afterwards, however `fn` ends.
   * @returns what `fn` returns
   * @throws (rejects) AbortedError when `options.signal` aborts while waiting; `fn`'s error
   */
  async withLock<T>(fn: () => Promise<T> | T, options: SignalOptions = {}): Promise<T> {
    await this.acquire(options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Counters, as a frozen plain object. */
  stats(): LockStats {
    return Object.freeze({ locked: this.#locked, waiters: this.#waiters.size });
  }
}
