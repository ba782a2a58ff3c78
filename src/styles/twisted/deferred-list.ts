/**
 * Waiting for several Deferreds: {@link DeferredList} (every outcome, as `[success, value]`
 * pairs) and {@link gatherResults} (the values, or the first failure), as in
 * `twisted.internet.defer`.
 *
 * One deviation: Twisted wraps the first failure in a `FirstError`; here the errback receives
 * the failure itself (like `Promise.all`), since a JavaScript error already carries its stack.
 *
 * @module
 */
import { Deferred } from './deferred.ts';

/** One member's outcome: `[true, value]` or `[false, error]`. */
export type Outcome<T> = [success: true, value: T] | [success: false, error: unknown];

/** Options of {@link DeferredList} (Twisted's keyword arguments). */
export interface DeferredListOptions {
  /** Fire with `[value, index]` as soon as one member succeeds. */
  fireOnOneCallback?: boolean;
  /** Errback with the failure as soon as one member fails. */
  fireOnOneErrback?: boolean;
  /**
   * Take each member's failure over (its chain continues with `undefined`), so no member is
   * reported as unhandled. Default false, as in Twisted: the members keep their failures.
   */
  consumeErrors?: boolean;
}

/**
 * A Deferred that fires when every member has fired, with one {@link Outcome} per member in
 * the members' order (or earlier, with the options). Cancelling it cancels every member that
 * has not fired.
 */
export class DeferredList<T> extends Deferred<Outcome<T>[] | [T, number]> {
  /** @param deferreds the members; @param options see {@link DeferredListOptions} */
  constructor(deferreds: readonly Deferred<T>[], options: DeferredListOptions = {}) {
    super(() => {
      for (const m of deferreds) if (!m.called) m.cancel();
    });
    const outcomes: Outcome<T>[] = new Array(deferreds.length);
    let remaining = deferreds.length;
    const settle = (index: number, outcome: Outcome<T>): void => {
      outcomes[index] = outcome;
      remaining--;
      if (this.called) return;
      if (outcome[0] && options.fireOnOneCallback) this.callback([outcome[1], index]);
      else if (!outcome[0] && options.fireOnOneErrback) this.errback(outcome[1]);
      else if (remaining === 0) this.callback(outcomes);
    };
    deferreds.forEach((member, index) => {
      member.addCallbacks(
        (value) => {
          settle(index, [true, value]);
          return value;
        },
        (error) => {
          settle(index, [false, error]);
          if (options.consumeErrors) return undefined;
          throw error;
        },
      );
    });
    if (deferreds.length === 0 && !options.fireOnOneCallback) this.callback(outcomes);
  }
}

/**
 * A Deferred of every member's value, in order; or the first failure. Cancelling it cancels
 * the members that have not fired.
 * @param consumeErrors take the members' failures over (see {@link DeferredListOptions})
 */
export function gatherResults<T>(deferreds: readonly Deferred<T>[], consumeErrors = false): Deferred<T[]> {
  const list = new DeferredList(deferreds, { fireOnOneErrback: true, consumeErrors });
  return list.addCallback((outcomes) => (outcomes as Outcome<T>[]).map((o) => o[1] as T));
}
