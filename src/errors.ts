/**
 * nbio's library errors. Each has a stable `code` (like undici's `UND_ERR_*`) that programs
 * may test; messages say what happened and what to do instead.
 *
 * Ownership is separate from failure (trio): {@link ClosedResourceError} means *you* closed
 * it; {@link BrokenResourceError} means the peer or the network broke it (the OS error is the
 * `cause`); {@link BusyResourceError} means two tasks used one resource at once.
 *
 * This module imports nothing, so every layer may use it.
 *
 * @module
 */

/** Every stable code nbio's own errors carry. */
export type NbioErrorCode =
  | 'NBIO_INVALID_ARGUMENT'
  | 'NBIO_BAD_FD'
  | 'NBIO_FD_TOO_LARGE'
  | 'NBIO_ALREADY_REGISTERED'
  | 'NBIO_NOT_REGISTERED'
  | 'NBIO_INVALID_TIMEOUT'
  | 'NBIO_UNSUPPORTED'
  | 'NBIO_CLOSED'
  | 'NBIO_BROKEN'
  | 'NBIO_BUSY'
  | 'NBIO_TIMEOUT'
  | 'NBIO_ABORTED'
  | 'NBIO_CONNECTION_REFUSED'
  | 'NBIO_ADDRESS_IN_USE'
  | 'NBIO_NAME_NOT_RESOLVED'
  | 'NBIO_INCOMPLETE_READ'
  | 'NBIO_LIMIT_OVERRUN'
  | 'NBIO_ALREADY_CALLED'
  | 'NBIO_NOT_AWAITABLE'
  | 'NBIO_WOULD_BLOCK'
  | 'NBIO_TASK_GROUP'
  | 'NBIO_HTTP_PARSE'
  | 'NBIO_CONNECTION_RESET'
  | 'NBIO_HTTP_MALFORMED_RESPONSE'
  | 'NBIO_HTTP_REDIRECT'
  | 'NBIO_HTTP_TOO_MANY_REDIRECTS';

/** Base class of nbio's own errors. */
export class NbioError extends Error {
  /** Stable machine-readable code. */
  readonly code: NbioErrorCode;

  /**
   * @param code the stable code
   * @param message what happened and what to do
   * @param options `cause`: the underlying error, when there is one
   */
  constructor(code: NbioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A caller passed something nbio cannot use (a bad fd, a NaN timeout, a flag this backend lacks). */
export class InvalidArgumentError extends NbioError {
  /** @param code one of the argument codes; defaults to NBIO_INVALID_ARGUMENT */
  constructor(message: string, code: NbioErrorCode = 'NBIO_INVALID_ARGUMENT', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The resource was closed by this program; using it again is a bug in the caller. */
export class ClosedResourceError extends NbioError {
  /** @param message which resource, and what was attempted */
  constructor(message: string) {
    super('NBIO_CLOSED', message);
  }
}

/** The peer or the network broke the resource; `cause` holds the OS error. */
export class BrokenResourceError extends NbioError {
  /** @param message what broke; @param options `cause`: the OsError */
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBIO_BROKEN', message, options);
  }
}

/** Two tasks tried to use a resource that serves one at a time. */
export class BusyResourceError extends NbioError {
  /** @param message which resource, and what the other task is doing */
  constructor(message: string) {
    super('NBIO_BUSY', message);
  }
}

/** A deadline passed. */
export class TimeoutError extends NbioError {
  /** @param message what timed out, and after how long */
  constructor(message: string) {
    super('NBIO_TIMEOUT', message);
  }
}

/** An operation was cancelled through its AbortSignal; `cause` is the signal's reason. */
export class AbortedError extends NbioError {
  /** @param message what was aborted; @param options `cause`: the signal's reason */
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBIO_ABORTED', message, options);
  }
}

/** A connect() was refused: nothing listens at that address. `cause` is the OsError. */
export class ConnectionRefusedError extends NbioError {
  /** @param address the address, as text; @param options `cause`: the OsError */
  constructor(address: string, options?: { cause?: unknown }) {
    super(
      'NBIO_CONNECTION_REFUSED',
      `Connection refused by ${address}: is a server listening there?`,
      options,
    );
  }
}

/** bind() found the address taken. */
export class AddressInUseError extends NbioError {
  /** The port (or path) that was taken. */
  readonly address: string;
  /** @param address `host:port` or a Unix path; @param options `cause`: the OsError */
  constructor(address: string, options?: { cause?: unknown }) {
    super(
      'NBIO_ADDRESS_IN_USE',
      `Cannot listen on ${address}: the address is already in use. Stop the other server or pick another port (0 picks a free one).`,
      options,
    );
    this.address = address;
  }
}

/** A host name did not resolve to any address. */
export class NameResolutionError extends NbioError {
  /** The name asked for. */
  readonly host: string;
  /** @param host the name; @param detail getaddrinfo's message */
  constructor(host: string, detail: string) {
    super(
      'NBIO_NAME_NOT_RESOLVED',
      `Cannot resolve '${host}': ${detail}. Check the name, or use an IP address.`,
    );
    this.host = host;
  }
}

/** The stream ended before the bytes asked for arrived; `partial` holds what did. */
export class IncompleteReadError extends NbioError {
  /** The bytes read before end of stream. */
  readonly partial: Buffer;
  /** How many bytes were wanted (or null when reading up to a delimiter). */
  readonly expected: number | null;
  /** @param partial what was read; @param expected what was wanted */
  constructor(partial: Buffer, expected: number | null) {
    super(
      'NBIO_INCOMPLETE_READ',
      `The stream ended after ${partial.length} bytes, before ${expected === null ? 'the delimiter' : `${expected} bytes`} arrived.`,
    );
    this.partial = partial;
    this.expected = expected;
  }
}

/** A read would have buffered more than its limit without finding what it looks for. */
export class LimitOverrunError extends NbioError {
  /** How many bytes were buffered. */
  readonly consumed: number;
  /** @param limit the limit; @param consumed the bytes buffered */
  constructor(limit: number, consumed: number) {
    super(
      'NBIO_LIMIT_OVERRUN',
      `No delimiter within the limit of ${limit} bytes (${consumed} buffered). Raise the limit or read in chunks.`,
    );
    this.consumed = consumed;
  }
}

/**
 * A non-waiting call (`putNowait`, `getNowait`) could not proceed without waiting: the queue
 * was full or empty (trio's `WouldBlock`, asyncio's `QueueFull`/`QueueEmpty`).
 */
export class WouldBlockError extends NbioError {
  /** @param message what would have waited, and the waiting call to use instead */
  constructor(message: string) {
    super('NBIO_WOULD_BLOCK', message);
  }
}

/**
 * One or more tasks of a task group failed (trio's and asyncio's `ExceptionGroup`). `errors`
 * holds every failure in the order they happened, none dropped; `cause` is the first.
 */
export class TaskGroupError extends NbioError {
  /** Every failure, in order (AggregateError's field name). */
  readonly errors: readonly unknown[];
  /** @param errors the failures, at least one */
  constructor(errors: readonly unknown[]) {
    const first = errors[0];
    const what = first instanceof Error ? `${first.name}: ${first.message}` : String(first);
    super(
      'NBIO_TASK_GROUP',
      `${errors.length} task${errors.length === 1 ? '' : 's'} of the group failed; the first: ${what}. See .errors for all.`,
      { cause: first },
    );
    this.errors = Object.freeze([...errors]);
  }
}

/**
 * Shows a value the way a message should name it: strings quoted (`'1500'`), numbers as
 * JavaScript prints them (`NaN`, `-1`, `Infinity`), anything else by JSON or its type.
 * @param value whatever the caller passed
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** How {@link checkDelay} reads a value. */
export interface DelayCheckOptions {
  /** The unit named in the message: `'ms'` (default) or `'s'` (the Twisted and Tornado styles). */
  readonly unit?: 'ms' | 's';
  /** Refuse 0 as well (a period or a connect timeout must be > 0). Default false. */
  readonly positive?: boolean;
  /** Allow negative values too (a relative move such as Twisted's `DelayedCall.delay`). Default false. */
  readonly signed?: boolean;
  /** The largest value allowed (inclusive); default: any finite number. */
  readonly max?: number;
}

/** checkDelay's default options: one shared object, not a new `{}` per call (timers call it per insert). */
const DEFAULT_DELAY_CHECK: DelayCheckOptions = Object.freeze({});

/**
 * The one check for every delay, timeout, interval and linger time in nbio (loop timers, sleep,
 * withTimeout, the styles, compat, connect timeouts, offload pools): `value` must be a finite
 * number ≥ 0 (> 0 with `positive`). A string such as `'1500'` is refused, not converted, because
 * `now + '1500'` would concatenate.
 * @param value what the caller passed
 * @param what what it is, for the message (e.g. `'callLater delay'`)
 * @returns `value`, typed as a number
 * @throws InvalidArgumentError (NBIO_INVALID_ARGUMENT) naming the value that was given
 */
export function checkDelay(
  value: unknown,
  what: string,
  options: DelayCheckOptions = DEFAULT_DELAY_CHECK,
): number {
  const unit = options.unit ?? 'ms';
  const positive = options.positive ?? false;
  const signed = options.signed ?? false;
  const max = options.max ?? Number.MAX_VALUE;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (signed ? false : positive ? !(value > 0) : !(value >= 0)) ||
    value > max
  ) {
    const units = unit === 'ms' ? 'milliseconds' : 'seconds';
    const lower = signed ? '' : positive ? ' > 0' : ' ≥ 0';
    const upper = options.max === undefined ? '' : `${signed ? '' : ' and'} ≤ ${options.max}`;
    throw new InvalidArgumentError(
      `Invalid ${what} ${describeValue(value)}: pass a finite number of ${units}${lower}${upper}${typeof value === 'string' ? ' (a number, not a string)' : ''}.`,
    );
  }
  return value;
}

/**
 * The check for an absolute deadline on the loop's clock (`callAt`, Tornado's `call_at`): any
 * finite number (a time in the past runs at the next iteration).
 * @param value what the caller passed
 * @param what what it is, for the message
 * @param unit the unit named in the message
 * @returns `value`, typed as a number
 * @throws InvalidArgumentError (NBIO_INVALID_ARGUMENT) naming the value that was given
 */
export function checkDeadline(value: unknown, what: string, unit: 'ms' | 's' = 'ms'): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(
      `Invalid ${what} ${describeValue(value)}: pass a finite loop time in ${unit === 'ms' ? 'milliseconds' : 'seconds'} (from time()).`,
    );
  }
  return value;
}
