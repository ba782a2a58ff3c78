/**
 * The flight recorder's subscribers (`loop.recorder.subscribe()`): each is called with every
 * record as its iteration completes; one that throws is dropped, so a broken subscriber never
 * stops the loop or the others.
 *
 * @module
 */
import type { IterationRecord } from './recorder-types.ts';

/** See the module comment. */
export class RecordListeners {
  readonly #listeners = new Set<(record: IterationRecord) => void>();

  /** True when nobody listens (the recorder then builds no record object). */
  get empty(): boolean {
    return this.#listeners.size === 0;
  }

  /** Adds `listener`. @returns a function that removes it */
  add(listener: (record: IterationRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Calls every listener with `record`, dropping each one that throws. */
  notify(record: IterationRecord): void {
    for (const l of this.#listeners) {
      try {
        l(record);
      } catch {
        this.#listeners.delete(l);
      }
    }
  }
}
