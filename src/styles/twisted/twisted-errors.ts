/**
 * The errors of the Twisted style, each an {@link NbioError} with a stable `code`:
 * {@link AlreadyCalledError} (a Deferred or DelayedCall fired twice), {@link CancelledError}
 * (a Deferred was cancelled), {@link AlreadyCancelledError} (a cancelled DelayedCall was used
 * again) and {@link NotAwaitableError} (a generator driven by `inlineCallbacks` or Tornado's
 * `coroutine` yielded something that cannot be waited for).
 *
 * @module
 */
import { inspect } from 'node:util';
import { ClosedResourceError, NbioError } from '../../errors.ts';

/** Something that fires once (a Deferred, a DelayedCall) was fired or changed after it fired. */
export class AlreadyCalledError extends NbioError {
  /** @param message which object, both call sites when known, and what to do */
  constructor(message: string) {
    super('NBIO_ALREADY_CALLED', message);
  }
}

/**
 * The Deferred was cancelled with `cancel()` before it had a result (Twisted's
 * `defer.CancelledError`). Errbacks receive it; check with `instanceof CancelledError`.
 */
export class CancelledError extends NbioError {
  /** @param message what was cancelled */
  constructor(message = 'The Deferred was cancelled before it had a result.') {
    super('NBIO_ABORTED', message);
  }
}

/** A DelayedCall was cancelled, then cancelled, reset or delayed again (Twisted's `AlreadyCancelled`). */
export class AlreadyCancelledError extends ClosedResourceError {}

/** A generator yielded a value that is neither a Deferred nor a Promise (nor a thenable). */
export class NotAwaitableError extends NbioError {
  /** What the generator yielded. */
  readonly yielded: unknown;
  /**
   * @param driver who drives the generator ('inlineCallbacks', 'coroutine')
   * @param yielded the value
   * @param expected what may be yielded, for the message
   */
  constructor(driver: string, yielded: unknown, expected: string) {
    super(
      'NBIO_NOT_AWAITABLE',
      `${driver}: the generator yielded ${describeValue(yielded)}, which is not awaitable. Yield ${expected}; a plain value needs no yield.`,
    );
    this.yielded = yielded;
  }
}

/** A short description of any value for a message: its type and a one-line, truncated inspection. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined (a bare `yield`?)';
  if (value === null) return 'null';
  const type = Array.isArray(value)
    ? 'an array'
    : typeof value === 'object'
      ? `an object (${value.constructor?.name ?? 'no prototype'})`
      : `a ${typeof value}`;
  let text = inspect(value, { depth: 0, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 5 });
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${text} (${type})`;
}
