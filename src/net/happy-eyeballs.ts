/**
 * Happy Eyeballs (RFC 8305) for `createConnection` (connect.ts): the order in which a name's
 * addresses are tried, and the options that turn it on.
 *
 * With `attemptTimeoutMs` set, the addresses are interleaved by family (RFC 8305 §4: the
 * first address's family, then the other, alternately), and each attempt gets
 * `attemptTimeoutMs` (RFC 8305's "Connection Attempt Delay", 250 ms recommended) before the
 * next address is tried. As in Node's `autoSelectFamily`, the slower attempt is then abandoned
 * (its socket closed) rather than raced; the last address gets no attempt timeout.
 *
 * @module
 */
import { checkDelay, InvalidArgumentError } from '../errors.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { ipLiteralAddress } from './address.ts';

/** RFC 8305 §5's recommended Connection Attempt Delay (ms); Node's default as well. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 250;

/** Told as each address is tried (`error` null) and when an attempt fails (`error` set). */
export type AttemptObserver = (address: SocketAddress, error: Error | null) => void;

/** The Happy Eyeballs options of `createConnection`. */
export interface HappyEyeballsOptions {
  /**
   * IP addresses to try instead of resolving `host` (from a lookup of your own); `host` then
   * only names them in messages.
   */
  addresses?: readonly string[] | undefined;
  /** Interleave families and move on after this long per attempt (see the module comment). */
  attemptTimeoutMs?: number | undefined;
  /** Told of every attempt and every failed attempt. */
  onAttempt?: AttemptObserver | undefined;
}

/**
 * The given `addresses` with `port`, checked.
 * @throws InvalidArgumentError for an empty list or an entry that is not an IP address; for
 *   an `attemptTimeoutMs` that is not a positive number
 */
export function checkHappyEyeballs(options: HappyEyeballsOptions, port: number): SocketAddress[] | null {
  if (options.attemptTimeoutMs !== undefined) {
    checkDelay(options.attemptTimeoutMs, 'attemptTimeoutMs (or leave it out)', { positive: true });
  }
  if (options.onAttempt !== undefined && typeof options.onAttempt !== 'function') {
    throw new InvalidArgumentError('Invalid onAttempt: pass a function (address, error).');
  }
  const list = options.addresses;
  if (list === undefined) return null;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidArgumentError('Invalid addresses: pass a non-empty array of IP addresses.');
  }
  return list.map((a: unknown) => {
    const addr = typeof a === 'string' ? ipLiteralAddress(a, port) : null;
    if (addr === null) {
      throw new InvalidArgumentError(
        `Invalid address ${JSON.stringify(a)} in addresses: pass IP addresses only.`,
      );
    }
    return addr;
  });
}

/** RFC 8305 §4: alternate the families, starting with the first address's. Stable within each. */
export function interleaveFamilies(addresses: readonly SocketAddress[]): SocketAddress[] {
  const first = addresses[0]?.family;
  const same = addresses.filter((a) => a.family === first);
  const other = addresses.filter((a) => a.family !== first);
  const out: SocketAddress[] = [];
  for (let i = 0; i < Math.max(same.length, other.length); i++) {
    const a = same[i];
    const b = other[i];
    if (a !== undefined) out.push(a);
    if (b !== undefined) out.push(b);
  }
  return out;
}
