/**
 * Cancellation through `AbortSignal`: the one helper every waiting call of src/async is built
 * on, so that all of them follow the same rules (docs/async.md, "Cancellation"):
 *
 * 1. A signal that is already aborted rejects at once with {@link AbortedError} (the signal's
 *    reason as `cause`), before anything is registered.
 * 2. Aborting while waiting removes the waiter (and its timer) before the promise rejects, so
 *    the operation did not happen: no item taken, no lock held, no bytes consumed.
 * 3. Once the wait succeeded, a later abort changes nothing (the promise is already settled)
 *    and the abort listener is already gone: no listener outlives its wait.
 *
 * @module
 */
import { AbortedError } from '../errors.ts';

/** Options of every waiting call: the signal that cancels the wait. */
export interface SignalOptions {
  /** Aborting it cancels the wait: the promise rejects with AbortedError (reason as cause). */
  signal?: AbortSignal;
}

/** The two ways to end a cancellable wait; calls after the first one are ignored. */
export interface Settle<T> {
  /** Ends the wait with a value. */
  resolve(value: T): void;
  /** Ends the wait with an error. */
  reject(error: unknown): void;
}

/**
 * The error a wait rejects with when its signal aborts.
 * @param what the operation, as a noun phrase ("sleep", "Queue.get()")
 * @param signal the aborted signal; its `reason` becomes the `cause`
 */
export function abortedError(what: string, signal: AbortSignal): AbortedError {
  return new AbortedError(`${what} was aborted through its AbortSignal (the reason is the cause).`, {
    cause: signal.reason,
  });
}

/**
 * Whether `error` is the consequence of `signal` having aborted: the signal's reason itself,
 * an {@link AbortedError}, or any error named `AbortError` (DOM and Node APIs) — and the
 * signal did abort. Task groups and timeouts use it to tell "cancelled, as asked" from a real
 * failure.
 */
export function isCancellation(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  if (error === signal.reason || error instanceof AbortedError) return true;
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * A promise for a wait that `signal` can cancel. `start` registers the waiter and returns the
 * function that unregisters it; that function runs when the signal aborts, before the promise
 * rejects with {@link abortedError}. `start` may settle synchronously.
 *
 * @example
 * ```ts
 * const waiters = new Set<Settle<void>>();
 * const wait = (signal?: AbortSignal) =>
 *   cancellable<void>('Event.wait()', signal, (settle) => {
 *     waiters.add(settle);
 *     return () => waiters.delete(settle);
 *   });
 * ```
 */
export function cancellable<T>(
  what: string,
  signal: AbortSignal | undefined,
  start: (settle: Settle<T>) => (() => void) | undefined,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortedError(what, signal));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let unregister: (() => void) | undefined;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      unregister?.();
      reject(abortedError(what, signal!));
    };
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    unregister = start({
      resolve: (value) => {
        if (finish()) resolve(value);
      },
      reject: (error) => {
        if (finish()) reject(error);
      },
    });
    if (!settled) signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Forwards an abort of `source` to `target` (with the same reason) until the returned function
 * is called. Returns a no-op when there is no source.
 */
export function linkSignal(source: AbortSignal | undefined, target: AbortController): () => void {
  if (source === undefined) return () => {};
  if (source.aborted) {
    target.abort(source.reason);
    return () => {};
  }
  const forward = (): void => target.abort(source.reason);
  source.addEventListener('abort', forward, { once: true });
  return () => source.removeEventListener('abort', forward);
}
