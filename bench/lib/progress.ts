/**
 * The progress line of the suite: one line per measured configuration, numbered against the
 * total planned, so a person can see how far it is ("[12/54] echo nbio 64B c50 f1 run 2/3 … 98.1k rt/s").
 *
 * @module
 */

/** Counts steps against a planned total and prints one line per step. */
export class Progress {
  #done = 0;
  #total: number;
  readonly #started = performance.now();

  /** @param total the number of steps planned (may grow with `addPlanned`) */
  constructor(total: number) {
    this.#total = total;
  }

  /** Adds (or with a negative `n`, removes) planned steps: a skipped row drops its runs. */
  addPlanned(n: number): void {
    this.#total = Math.max(this.#done, this.#total + n);
  }

  /**
   * Starts step `label`: prints "[i/total] label … " and returns the function that ends the
   * line with the step's outcome.
   */
  step(label: string): (outcome: string) => void {
    this.#done++;
    if (this.#done > this.#total) this.#total = this.#done;
    const head = `[${this.#done}/${this.#total}] ${label} … `;
    process.stdout.write(head);
    let ended = false;
    return (outcome: string) => {
      if (ended) return;
      ended = true;
      process.stdout.write(`${outcome}\n`);
    };
  }

  /** Prints a line that is not a step (a skip, a note). */
  note(text: string): void {
    process.stdout.write(`    ${text}\n`);
  }

  /** Seconds since the suite started. */
  elapsedSeconds(): number {
    return (performance.now() - this.#started) / 1000;
  }
}
