/**
 * `Event`: a flag tasks can wait for (asyncio's and trio's `Event`). `set()` wakes every
 * waiter; waits that start while the flag is set return at once.
 *
 * The name is asyncio's and trio's; it shadows the DOM `Event` global inside a module that
 * imports it (`import { Event as AsyncEvent }` avoids that).
 *
 * @module
 */
import { cancellable, type Settle, type SignalOptions } from './cancellable.ts';

/** Counters of one event, as a frozen plain object. */
export interface EventStats {
  /** Whether the flag is set. */
  readonly isSet: boolean;
  /** Tasks waiting. */
  readonly waiters: number;
}

/** A flag that tasks wait for; cancellable waits (see cancellable.ts). */
export class Event {
  #set = false;
  readonly #waiters = new Set<Settle<void>>();

  /** True once `set()` was called (and not cleared since). */
  get isSet(): boolean {
    return this.#set;
  }

  /** Sets the flag and wakes every waiter, in the order they started waiting. Idempotent. */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.resolve();
  }

  /** Clears the flag (asyncio's `clear`); later waits wait again. */
  clear(): void {
    this.#set = false;
  }

  /**
   * Resolves once the flag is set (at once when it already is).
   * @throws (rejects) AbortedError when `options.signal` aborts first
   */
  wait(options: SignalOptions = {}): Promise<void> {
    return cancellable<void>('Event.wait()', options.signal, (settle) => {
      if (this.#set) {
        settle.resolve();
        return undefined;
      }
      this.#waiters.add(settle);
      return () => this.#waiters.delete(settle);
    });
  }

  /** Counters, as a frozen plain object. */
  stats(): EventStats {
    return Object.freeze({ isSet: this.#set, waiters: this.#waiters.size });
  }
}
