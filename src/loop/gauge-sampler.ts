/**
 * `GaugeSampler`: the recorder's gauges — named functions read at most once a millisecond while
 * recording, whose values each iteration record keeps in `counters.gauges`
 * (`loop.recorder.gauge(name, read)` registers one).
 *
 * @internal
 * @module
 */

/**
 * Registered gauges and their latest sample; see the module comment.
 * @internal
 */
export class GaugeSampler {
  readonly #gauges = new Map<string, () => number>();
  #sample: Readonly<Record<string, number>> = {};
  #sampledAtMs = Number.NEGATIVE_INFINITY;

  /** Registers `read` under `name` (replacing one of that name). @returns a function that unregisters it */
  add(name: string, read: () => number): () => void {
    this.#gauges.set(name, read);
    return () => {
      if (this.#gauges.get(name) === read) this.#gauges.delete(name);
    };
  }

  /**
   * The gauges' values at `nowMs`: read again when the last sample is 1 ms old or more, else the
   * last sample (shared: do not modify). A gauge that throws is dropped.
   */
  sample(nowMs: number): Readonly<Record<string, number>> {
    if (this.#gauges.size === 0 || nowMs - this.#sampledAtMs < 1) return this.#sample;
    const sample: Record<string, number> = {};
    for (const [name, read] of this.#gauges) {
      try {
        sample[name] = read();
      } catch {
        this.#gauges.delete(name);
      }
    }
    this.#sample = sample;
    this.#sampledAtMs = nowMs;
    return sample;
  }
}
