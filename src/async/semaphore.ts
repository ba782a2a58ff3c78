/**
 * `Semaphore`: at most `maxValue` holders at once (asyncio's `BoundedSemaphore`, trio's
 * `Semaphore(max_value=…)`). Always bounded: releasing more than was acquired is a bug and
 * throws. FIFO-fair like {@link Lock}: a release hands the permit straight to the longest waiter.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import { cancellable, type Settle, type SignalOptions } from './cancellable.ts';

/** Counters of one semaphore, as a frozen plain object. */
export interface SemaphoreStats {
  /** Permits free now. */
  readonly value: number;
  /** The bound. */
  readonly maxValue: number;
  /** Tasks waiting for a permit. */
  readonly waiters: number;
}

/** A cancellable, bounded, FIFO-fair counting semaphore. */
export class Semaphore {
  /** The number of permits, and the bound `value` never exceeds. */
  readonly maxValue: number;
  #value: number;
  readonly #waiters = new Set<Settle<void>>();

  /**
   * @param value the permits available at first (and the bound, unless `maxValue` is given)
   * @param maxValue the bound; default `value`
   * @throws InvalidArgumentError unless 0 ≤ value ≤ maxValue, both integers, maxValue ≥ 1
   */
  constructor(value: number, maxValue: number = value) {
    if (!Number.isSafeInteger(value) || !Number.isSafeInteger(maxValue) || value < 0 || maxValue < 1) {
      throw new InvalidArgumentError(
        `Cannot make a semaphore with value ${value} and maxValue ${maxValue}: use whole numbers, value ≥ 0 and maxValue ≥ 1.`,
      );
    }
    if (value > maxValue) {
      throw new InvalidArgumentError(
        `Cannot make a semaphore with value ${value} above its maxValue ${maxValue}: pass value ≤ maxValue.`,
      );
    }
    this.#value = value;
    this.maxValue = maxValue;
  }

  /** Permits free now. */
  get value(): number {
    return this.#value;
  }

  /**
   * Resolves once this task holds a permit.
   * @throws (rejects) AbortedError when `options.signal` aborts first; no permit is then held
   */
  acquire(options: SignalOptions = {}): Promise<void> {
    return cancellable<void>('Semaphore.acquire()', options.signal, (settle) => {
      if (this.#value > 0) {
        this.#value--;
        settle.resolve();
        return undefined;
      }
      this.#waiters.add(settle);
      return () => this.#waiters.delete(settle);
    });
  }

  /** Takes a permit if one is free, without waiting. @returns whether one was taken */
  tryAcquire(): boolean {
    if (this.#value === 0) return false;
    this.#value--;
    return true;
  }

  /**
   * Returns a permit, handing it to the longest waiter if there is one.
   * @throws InvalidArgumentError when every permit is already free (more releases than acquires)
   */
  release(): void {
    const next = this.#waiters.values().next();
    if (!next.done) {
      this.#waiters.delete(next.value);
      next.value.resolve();
      return;
    }
    if (this.#value >= this.maxValue) {
      throw new InvalidArgumentError(
        `Cannot release the semaphore: all ${this.maxValue} permits are already free. Call release() once per acquire().`,
      );
    }
    this.#value++;
  }

  /**
   * Runs `fn` holding a permit and returns it afterwards, however `fn` ends.
   * @throws (rejects) AbortedError when `options.signal` aborts while waiting; `fn`'s error
   */
  async withPermit<T>(fn: () => Promise<T> | T, options: SignalOptions = {}): Promise<T> {
    await this.acquire(options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Counters, as a frozen plain object. */
  stats(): SemaphoreStats {
    return Object.freeze({ value: this.#value, maxValue: this.maxValue, waiters: this.#waiters.size });
  }
}
