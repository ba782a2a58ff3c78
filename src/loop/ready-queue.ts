/**
 * The FIFO of runnable callbacks. Two arrays swap roles each iteration, so the loop runs
 * exactly the callbacks that were ready when the step began; callbacks they schedule wait for
 * the next iteration (asyncio's `ntodo = len(self._ready)` rule) and I/O is never starved.
 *
 * @module
 */
import type { Handle } from './handle.ts';

/** FIFO of handles; see the module comment. */
export class ReadyQueue {
  #next: Handle[] = [];
  #spare: Handle[] = [];

  /** Number of handles waiting for the next batch. */
  get length(): number {
    return this.#next.length;
  }

  /** Appends a handle. */
  push(h: Handle): void {
    this.#next.push(h);
  }

  /**
   * Takes the current batch: the returned array is the caller's until the next `takeBatch()`;
   * handles pushed meanwhile go to the following batch.
   */
  takeBatch(): Handle[] {
    const batch = this.#next;
    this.#next = this.#spare;
    this.#next.length = 0;
    this.#spare = batch;
    return batch;
  }

  /** Drops every waiting handle. */
  clear(): void {
    this.#next.length = 0;
    this.#spare.length = 0;
  }
}
