/**
 * Node's own argument errors, for the places where `net` throws them: programs and Node's own
 * tests check `err.code` (`ERR_MISSING_ARGS`, `ERR_SOCKET_BAD_PORT`, `ERR_INVALID_ARG_TYPE`,
 * `ERR_OUT_OF_RANGE` …) and the class (`TypeError`, `RangeError`). Each error made here keeps an
 * nbio {@link InvalidArgumentError} as its `cause`, whose message says what to pass instead.
 *
 * The checks below follow the order and the rules of Node v20's `net` (read from its
 * documentation and behaviour; no code copied), so the first bad value is the one reported.
 *
 * @module
 */
import { describeValue, InvalidArgumentError } from '../errors.ts';

/** A `TypeError` with Node's `code` (`ERR_INVALID_ARG_TYPE`, `ERR_MISSING_ARGS`). */
export class NodeTypeError extends TypeError {
  /** Node's code. */
  readonly code: string;

  /**
   * @param code Node's code
   * @param message Node's message
   * @param nbioMessage what to do instead, in nbio's words (becomes the `cause`)
   */
  constructor(code: string, message: string, nbioMessage: string) {
    super(message, { cause: new InvalidArgumentError(nbioMessage) });
    this.code = code;
  }
}

/** A `RangeError` with Node's `code` (`ERR_SOCKET_BAD_PORT`, `ERR_OUT_OF_RANGE`). */
export class NodeRangeError extends RangeError {
  /** Node's code. */
  readonly code: string;

  /**
   * @param code Node's code
   * @param message Node's message
   * @param nbioMessage what to do instead, in nbio's words (becomes the `cause`)
   */
  constructor(code: string, message: string, nbioMessage: string) {
    super(message, { cause: new InvalidArgumentError(nbioMessage) });
    this.code = code;
  }
}

/** Node's way of naming a received value: `type number (65536)`, `type string ('x')`, `null`. */
export function receivedValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? `an instance of ${name}` : 'an object';
  }
  const shown =
    typeof value === 'string' ? `'${value.length > 25 ? `${value.slice(0, 25)}...` : value}'` : String(value);
  return `type ${typeof value} (${shown})`;
}

/** `ERR_INVALID_ARG_TYPE` for `name` (`'msecs'`, `'options.port'` …) that must be of `types`. */
export function invalidArgType(name: string, types: string, value: unknown): NodeTypeError {
  const what = name.includes('.') ? 'property' : 'argument';
  return new NodeTypeError(
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" ${what} must be of type ${types}. Received ${receivedValue(value)}`,
    `Invalid ${name} ${describeValue(value)}: pass a ${types}.`,
  );
}

/**
 * Node's connect-time checks on the options, in Node's order: a port or a path must be there
 * (`ERR_MISSING_ARGS`); a port must be a number or string (`ERR_INVALID_ARG_TYPE`) naming an
 * integer 0–65535 (`ERR_SOCKET_BAD_PORT`); a `lookup` must be a function (`ERR_INVALID_ARG_TYPE`);
 * `autoSelectFamilyAttemptTimeout` must be an integer ≥ 1 (`ERR_OUT_OF_RANGE`).
 * @throws NodeTypeError, NodeRangeError as above
 */
export function checkNodeConnectOptions(options: {
  port?: unknown;
  path?: unknown;
  lookup?: unknown;
  autoSelectFamilyAttemptTimeout?: unknown;
}): void {
  if (options.port === undefined && (options.path === undefined || options.path === null)) {
    throw new NodeTypeError(
      'ERR_MISSING_ARGS',
      'The "options" or "port" or "path" argument must be specified',
      'Cannot connect without a target: pass { port, host }, { path }, a port, or a Unix socket path.',
    );
  }
  if (options.path !== undefined && options.path !== null) return;
  const { port } = options;
  if (typeof port !== 'number' && typeof port !== 'string') {
    throw invalidArgType('options.port', 'number or string', port);
  }
  const n = Number(port);
  if ((typeof port === 'string' && port.trim() === '') || n !== n >>> 0 || n > 0xffff) {
    throw new NodeRangeError(
      'ERR_SOCKET_BAD_PORT',
      `Port should be >= 0 and < 65536. Received ${receivedValue(port)}.`,
      `Invalid port ${describeValue(port)}: use an integer from 1 to 65535.`,
    );
  }
  if (options.lookup !== undefined && options.lookup !== null && typeof options.lookup !== 'function') {
    throw invalidArgType('options.lookup', 'function', options.lookup);
  }
  const attemptMs = options.autoSelectFamilyAttemptTimeout;
  if (attemptMs !== undefined) {
    const name = 'options.autoSelectFamilyAttemptTimeout';
    if (typeof attemptMs !== 'number') throw invalidArgType(name, 'number', attemptMs);
    if (!Number.isInteger(attemptMs) || attemptMs < 1 || attemptMs > 2 ** 31 - 1) {
      throw new NodeRangeError(
        'ERR_OUT_OF_RANGE',
        `The value of "${name}" is out of range. It must be >= 1 && <= 2147483647. Received ${String(attemptMs)}`,
        `Invalid ${name} ${describeValue(attemptMs)}: use a whole number of milliseconds, at least 1.`,
      );
    }
  }
}

/**
 * Node's checks of `new net.Socket(options)`: object modes are refused.
 * @throws NodeTypeError `ERR_INVALID_ARG_VALUE` for `objectMode`, `readableObjectMode` or
 *   `writableObjectMode`
 */
export function checkNodeSocketOptions(options: object): void {
  for (const key of ['objectMode', 'readableObjectMode', 'writableObjectMode'] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value) {
      throw new NodeTypeError(
        'ERR_INVALID_ARG_VALUE',
        `The property 'options.${key}' is not supported. Received ${receivedPlain(value)}`,
        `A socket carries bytes: leave ${key} out.`,
      );
    }
  }
}

/** Node's short form of a value in ERR_INVALID_ARG_VALUE messages (`true`, `'x'`). */
function receivedPlain(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * Node's checks of `socket.setTimeout(msecs[, callback])`.
 * @throws NodeTypeError `ERR_INVALID_ARG_TYPE` for a non-number or a callback that is not a
 *   function; NodeRangeError `ERR_OUT_OF_RANGE` for a negative or non-finite number
 */
export function checkNodeTimeout(msecs: unknown, callback: unknown): number {
  if (typeof msecs !== 'number') throw invalidArgType('msecs', 'number', msecs);
  if (!(msecs >= 0) || !Number.isFinite(msecs)) {
    throw new NodeRangeError(
      'ERR_OUT_OF_RANGE',
      `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${String(msecs)}`,
      `Invalid timeout ${describeValue(msecs)}: use a non-negative finite number of milliseconds (0 turns it off).`,
    );
  }
  if (callback !== undefined && typeof callback !== 'function') {
    throw invalidArgType('callback', 'function', callback);
  }
  return msecs;
}
