/**
 * Signal handlers for an EventLoop. Signals belong to Node: it installs its own handlers and
 * runs several threads, so nbio cannot use signalfd (a signal masked on the main thread is
 * still delivered to another thread, and `process.on` stops working) and koffi cannot install
 * a C handler. So a handler subscribes with `process.on(signal)` and forwards into the loop:
 * the callback is queued with `callSoon` and the waker is written, so a loop blocked in
 * `select()` runs it promptly. An honest limit of running inside Node, stated in
 * docs/loop-iteration.md.
 *
 * @module
 */

/** What SignalHandlers needs from the loop. */
export interface SignalSink {
  /** Queue `cb` to run on the loop. */
  deliverSignal(cb: () => void): void;
}

/** One loop's signal subscriptions. */
export class SignalHandlers {
  readonly #sink: SignalSink;
  readonly #listeners = new Map<NodeJS.Signals, () => void>();

  /** @param sink the loop */
  constructor(sink: SignalSink) {
    this.#sink = sink;
  }

  /** Number of signals handled. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Runs `cb` on the loop each time `signal` arrives; replaces a previous handler for it. */
  add(signal: NodeJS.Signals, cb: (signal: NodeJS.Signals) => void): void {
    this.remove(signal);
    const listener = (): void => this.#sink.deliverSignal(() => cb(signal));
    this.#listeners.set(signal, listener);
    process.on(signal, listener);
  }

  /** Stops handling `signal`. @returns whether a handler was installed */
  remove(signal: NodeJS.Signals): boolean {
    const listener = this.#listeners.get(signal);
    if (listener === undefined) return false;
    process.off(signal, listener);
    this.#listeners.delete(signal);
    return true;
  }

  /** Removes every handler. */
  clear(): void {
    for (const signal of [...this.#listeners.keys()]) this.remove(signal);
  }
}
