/**
 * The `beforeSubmit` hooks of a completion queue: functions to run once before its next
 * submission (transports gather an iteration's writes into one SEND each, the readiness adapter
 * re-arms its polls). Two arrays take turns, reused and never shrunk: no allocation per hook.
 * @internal
 * @module
 */

const NO_HOOK = (): void => {};

/**
 * Hooks queued for the next submission; {@link SubmitHooks.run} runs them once each.
 * @internal
 */
export class SubmitHooks {
  // #n of them (arrays reused, never shrunk).
  #hooks: (() => void)[] = [];
  #n = 0;
  #spare: (() => void)[] = [];

  /** Queues `fn` for the next {@link SubmitHooks.run}. */
  add(fn: () => void): void {
    this.#hooks[this.#n++] = fn;
  }

  /** Runs the queued hooks, and those they queue (at most four rounds); exceptions propagate. */
  run(): void {
    // Hooks may add hooks (a send completing at once queues the next): run until none is left.
    for (let round = 0; this.#n > 0 && round < 4; round++) {
      const hooks = this.#hooks;
      const n = this.#n;
      this.#hooks = this.#spare;
      this.#n = 0;
      for (let i = 0; i < n; i++) {
        const h = hooks[i] as () => void;
        hooks[i] = NO_HOOK; // keep nothing alive
        h();
      }
      this.#spare = hooks;
    }
  }

  /** Drops every queued hook without running it (the queue is closing). */
  clear(): void {
    this.#hooks = [];
    this.#n = 0;
  }
}
