/**
 * `Queue<T>`: a bounded FIFO between producer and consumer tasks (asyncio's `Queue`, trio's
 * memory channels). `put` waits while the queue is full, `get` while it is empty; both are
 * cancellable and FIFO-fair (the longest waiter goes first).
 *
 * Items are handed over directly when the other side already waits: a `put` to a waiting
 * `get` resolves that `get` with the item, and a `get` from a full queue admits the longest
 * waiting `put`. So `maxsize` 0 is a rendezvous channel (trio's default): every `put` waits
 * until some `get` takes its item. An aborted `put` never enqueued its item; an aborted `get`
 * took nothing.
 *
 * @module
 */
import { InvalidArgumentError, WouldBlockError } from '../errors.ts';
import { cancellable, type Settle, type SignalOptions } from './cancellable.ts';

/** Counters of one queue, as a frozen plain object. */
export interface QueueStats {
  /** Items buffered. */
  readonly size: number;
  /** The bound (Infinity when unbounded). */
  readonly maxsize: number;
  /** Tasks waiting in `get`. */
  readonly getters: number;
  /** Tasks waiting in `put`. */
  readonly putters: number;
}

interface Putter<T> {
  readonly item: T;
  readonly settle: Settle<void>;
}

/** A bounded, cancellable FIFO queue. */
export class Queue<T> {
  /** The most items buffered at once (0: rendezvous; Infinity: unbounded). */
  readonly maxsize: number;
  #items: T[] = [];
  #head = 0;
  readonly #getters = new Set<Settle<T>>();
  readonly #putters = new Set<Putter<T>>();

  /**
   * @param maxsize the bound: a whole number ≥ 0, or Infinity
   * @throws InvalidArgumentError for anything else
   */
  constructor(maxsize: number) {
    if (!(maxsize === Number.POSITIVE_INFINITY || (Number.isSafeInteger(maxsize) && maxsize >= 0))) {
      throw new InvalidArgumentError(
        `Cannot make a queue with maxsize ${maxsize}: pass a whole number ≥ 0 (0 is a rendezvous), or Infinity.`,
      );
    }
    this.maxsize = maxsize;
  }

  /** Items buffered now. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** True when no item is buffered. */
  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** True when a `put` would wait (no waiting getter and `size ≥ maxsize`). */
  get isFull(): boolean {
    return this.#getters.size === 0 && this.size >= this.maxsize;
  }

  /**
   * Adds `item`, waiting while the queue is full.
   * @throws (rejects) AbortedError when `options.signal` aborts first; the item was not added
   */
  put(item: T, options: SignalOptions = {}): Promise<void> {
    return cancellable<void>('Queue.put()', options.signal, (settle) => {
      if (this.#offer(item)) {
        settle.resolve();
        return undefined;
      }
      const putter: Putter<T> = { item, settle };
      this.#putters.add(putter);
      return () => this.#putters.delete(putter);
    });
  }

  /**
   * Adds `item` without waiting.
   * @throws WouldBlockError when the queue is full
   */
  putNowait(item: T): void {
    if (!this.#offer(item)) {
      throw new WouldBlockError(
        `Cannot putNowait: the queue is full (maxsize ${this.maxsize}). Await put() to wait for room.`,
      );
    }
  }

  /**
   * Takes the oldest item, waiting while the queue is empty.
   * @throws (rejects) AbortedError when `options.signal` aborts first; nothing was taken
   */
  get(options: SignalOptions = {}): Promise<T> {
    return cancellable<T>('Queue.get()', options.signal, (settle) => {
      if (this.size > 0 || this.#putters.size > 0) {
        settle.resolve(this.#take());
        return undefined;
      }
      this.#getters.add(settle);
      return () => this.#getters.delete(settle);
    });
  }

  /**
   * Takes the oldest item without waiting.
   * @throws WouldBlockError when the queue is empty
   */
  getNowait(): T {
    if (this.size === 0 && this.#putters.size === 0) {
      throw new WouldBlockError('Cannot getNowait: the queue is empty. Await get() to wait for an item.');
    }
    return this.#take();
  }

  /** Counters, as a frozen plain object. */
  stats(): QueueStats {
    return Object.freeze({
      size: this.size,
      maxsize: this.maxsize,
      getters: this.#getters.size,
      putters: this.#putters.size,
    });
  }

  /** Hands `item` to the longest getter, or buffers it if there is room. @returns whether it went in */
  #offer(item: T): boolean {
    const getter = this.#getters.values().next();
    if (!getter.done) {
      this.#getters.delete(getter.value);
      getter.value.resolve(item);
      return true;
    }
    if (this.size >= this.maxsize) return false;
    this.#items.push(item);
    return true;
  }

  /** Removes the oldest item (buffered, else the longest putter's) and admits one waiting putter. */
  #take(): T {
    let item: T;
    if (this.size > 0) {
      item = this.#items[this.#head] as T; // size > 0: the slot at #head holds an item
      this.#items[this.#head] = undefined as T; // drop the reference
      this.#head++;
      if (this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      const putter = this.#putters.values().next();
      if (!putter.done) {
        this.#putters.delete(putter.value);
        this.#items.push(putter.value.item);
        putter.value.settle.resolve();
      }
    } else {
      const putter = this.#putters.values().next().value!; // callers checked: maxsize 0 or a race
      this.#putters.delete(putter);
      item = putter.item;
      putter.settle.resolve();
    }
    return item;
  }
}
