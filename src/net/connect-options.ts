/**
 * The checks `createConnection` (connect.ts) makes before it opens anything: every bad option
 * throws `InvalidArgumentError` at once, and the callback is then never called.
 *
 * @module
 */
import { checkDelay, InvalidArgumentError } from '../errors.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { describe } from '../sys/socket.ts';
import { checkHost, checkPort, ipLiteralAddress, unixAddress } from './address.ts';
import type { ConnectOptions } from './connect.ts';
import { checkHappyEyeballs } from './happy-eyeballs.ts';

/** createConnection's options, checked, and what they tell before anything is opened. */
export interface CheckedConnect {
  options: ConnectOptions;
  /** For messages: `host:port` or the path. */
  target: string;
  /** Known without resolving (IP literal or path), else null. */
  addresses: SocketAddress[] | null;
  host: string;
  port: number;
}

/**
 * Checks `createConnection`'s options.
 * @throws InvalidArgumentError for any bad value, with what to pass instead
 */
export function checkConnectOptions(options: ConnectOptions): CheckedConnect {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('createConnection needs options: pass { host, port } or { path }.');
  }
  const { path, timeoutMs, signal, family } = options;
  if (timeoutMs !== undefined)
    checkDelay(timeoutMs, 'connect timeoutMs (or leave it out)', { positive: true });
  if (options.lingerMs !== undefined) checkDelay(options.lingerMs, 'lingerMs (or leave it out)');
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('Invalid signal: pass an AbortSignal (from an AbortController).');
  }
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') {
    throw new InvalidArgumentError(`Invalid family '${String(family)}': use 'ipv4' or 'ipv6'.`);
  }
  if (path !== undefined) {
    if (options.host !== undefined || options.port !== undefined) {
      throw new InvalidArgumentError('Cannot connect to both a Unix path and a host/port: pass either.');
    }
    const a = unixAddress(path);
    return { options, target: path, addresses: [a], host: '', port: 0 };
  }
  const port = checkPort(options.port);
  if (port === 0)
    throw new InvalidArgumentError('Cannot connect to port 0: pass the port the server listens on.');
  const host = checkHost(options.host ?? 'localhost');
  const literal = ipLiteralAddress(host, port);
  if (literal !== null && family !== undefined && literal.family !== family) {
    throw new InvalidArgumentError(
      `Host '${host}' is an ${literal.family} address but family '${family}' was asked.`,
    );
  }
  const target = literal !== null ? describe(literal) : `${host}:${port}`;
  const given = checkHappyEyeballs(options, port);
  return { options, target, addresses: given ?? (literal === null ? null : [literal]), host, port };
}
