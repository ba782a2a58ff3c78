/**
 * Name resolution that never blocks the loop: `getaddrinfo(3)` (src/sys/getaddrinfo.ts) runs in
 * an {@link OffloadPool} worker thread, and the answer comes back on the loop.
 *
 * - IP literals (`127.0.0.1`, `::1`, `[::1]`, `fe80::1%2`) answer without a worker, still on a
 *   later iteration (`loop.callSoon`), never synchronously.
 * - A name the hosts file answers with one address, when nsswitch.conf asks the hosts file
 *   first (resolver-hosts.ts: exactly getaddrinfo's answer then), answers without a worker too:
 *   the first `localhost` costs no thread start. `{ hostsFile: false }` skips this.
 * - Everything else goes through the C library, so `localhost`, `/etc/hosts`, DNS, NSS modules
 *   and `/etc/gai.conf` ordering all apply; the addresses come in the system's order (IPv6
 *   and IPv4 mixed as RFC 6724 sorts them), duplicates removed, port 0.
 * - A name that does not resolve fails with `NameResolutionError` (NBIO_NAME_NOT_RESOLVED),
 *   whose message carries getaddrinfo's own words and EAI code; `cause` is the GaiError.
 *
 * One pool per loop, named `'nbio-resolver'`, created on first use and kept in a WeakMap keyed
 * by the loop. `loop.close()` closes it (the pool registers an `onClose` hook); call
 * {@link closeResolver} to stop its threads earlier. Its workers are unref'd while idle, so a
 * forgotten pool never keeps the process alive.
 *
 * @module
 */
import { AbortedError, InvalidArgumentError, NameResolutionError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { OffloadPool } from '../loop/offload-pool.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { checkHost, ipLiteralAddress } from './address.ts';
import { hostsFileAnswer } from './resolver-hosts.ts';

/** Options of {@link resolve}. */
export interface ResolveOptions {
  /** Only addresses of this family (`undefined`: any). */
  family?: 'ipv4' | 'ipv6' | undefined;
  /** Aborting it ends the lookup with AbortedError (a lookup already running finishes unseen). */
  signal?: AbortSignal | undefined;
  /**
   * Answer from the hosts file without a worker when that is certainly getaddrinfo's answer
   * (resolver-hosts.ts); default true. False sends every name to getaddrinfo.
   */
  hostsFile?: boolean | undefined;
}

/** The callback of {@link resolve}: `addresses` is empty when `err` is set. */
export type ResolveCallback = (err: Error | null, addresses: SocketAddress[]) => void;

/**
 * The module and export the workers run (named, not passed: docs/design.md, "Threads and
 * signals"): the `.ts` source in development, the compiled `.js` in an installed package.
 */
const GETADDRINFO = new URL(
  `../sys/getaddrinfo.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);
/**
 * Worker threads per loop. A lookup waits on the network, not the CPU; libuv's thread pool,
 * which serves Node's dns.lookup, has 4 for the same reason. They start only under load.
 */
const RESOLVER_THREADS = 4;

const pools = new WeakMap<EventLoop, OffloadPool>();

/**
 * The resolver's pool for `loop`, created on first use (no thread starts until a lookup needs
 * one). Exposed for `stats()` and for tests.
 */
export function resolverPool(loop: EventLoop): OffloadPool {
  let pool = pools.get(loop);
  if (pool === undefined || pool.isClosed) {
    pool = new OffloadPool(loop, { name: 'nbio-resolver', size: RESOLVER_THREADS });
    pools.set(loop, pool);
  }
  return pool;
}

/**
 * Closes the resolver's pool of `loop` (its worker threads end). Lookups in flight fail with
 * ClosedResourceError. A later `resolve` on the same loop starts a new pool. Idempotent.
 * @param onClosed called once every worker thread has exited (from Node's event loop)
 */
export function closeResolver(loop: EventLoop, onClosed?: () => void): void {
  const pool = pools.get(loop);
  pools.delete(loop);
  if (pool !== undefined) pool.close(onClosed);
  else if (onClosed !== undefined) setImmediate(onClosed);
}

/**
 * Resolves `host` to its addresses (port 0). `callback` runs exactly once, on the loop, on a
 * later iteration: with the addresses, or with NameResolutionError, AbortedError (cancel() or
 * the signal) or ClosedResourceError (the resolver was closed first).
 * @throws InvalidArgumentError for a host that is neither an IP address nor a host name, or an
 *   unknown family (then the callback never runs)
 * @example
 * resolve(loop, 'localhost', {}, (err, addresses) => {
 *   if (err) return console.error(err.message);
 *   console.log(addresses); // [{ family: 'ipv4', address: '127.0.0.1', port: 0 }, …]
 * });
 */
export function resolve(
  loop: EventLoop,
  host: string,
  options: ResolveOptions,
  callback: ResolveCallback,
): { cancel(): void } {
  const name = checkHost(host);
  const family = options?.family;
  if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') {
    throw new InvalidArgumentError(
      `Invalid family ${JSON.stringify(family)}: use 'ipv4', 'ipv6' or leave it out.`,
    );
  }
  if (typeof callback !== 'function')
    throw new InvalidArgumentError('Cannot resolve: callback is not a function.');
  const signal = options?.signal;
  const literal = literalOrNull(name);
  if (literal !== null) return answerLiteral(loop, host, literal, family, signal, callback);
  const fromHosts = options?.hostsFile === false ? null : hostsFileAnswer(name, family);
  if (fromHosts !== null) return answerLiteral(loop, host, fromHosts, family, signal, callback);

  const task = resolverPool(loop).submit(
    GETADDRINFO,
    'getaddrinfo',
    [name, { family }],
    (err, result) => {
      if (err !== null) callback(lookupError(host, err), []);
      else if ((result as SocketAddress[]).length === 0) {
        callback(new NameResolutionError(host, `getaddrinfo returned no ${family ?? 'IP'} address`), []);
      } else callback(null, result as SocketAddress[]);
    },
    { signal },
  );
  return task;
}

/** An IP literal's address, or null for a name (or a literal with a named zone: the C library maps it). */
function literalOrNull(host: string): SocketAddress | null {
  try {
    return ipLiteralAddress(host, 0);
  } catch {
    return null; // `fe80::1%eth0`: getaddrinfo with the interface name
  }
}

function answerLiteral(
  loop: EventLoop,
  host: string,
  address: SocketAddress,
  family: 'ipv4' | 'ipv6' | undefined,
  signal: AbortSignal | undefined,
  callback: ResolveCallback,
): { cancel(): void } {
  let cancelled = false;
  loop.callSoon(() => {
    if (cancelled || signal?.aborted) {
      callback(new AbortedError(`Resolving '${host}' was cancelled.`, { cause: signal?.reason }), []);
    } else if (family !== undefined && address.family !== family) {
      callback(
        new NameResolutionError(host, `it is an ${address.family} address, and ${family} was asked for`),
        [],
      );
    } else {
      callback(null, [address]);
    }
  });
  return {
    cancel() {
      cancelled = true;
    },
  };
}

/** getaddrinfo's GaiError (or the pool's errors) as what the resolver promises. */
function lookupError(host: string, err: Error): Error {
  const e = err as Error & { code?: string; detail?: string };
  if (typeof e.code === 'string' && e.code.startsWith('EAI_')) {
    const out = new NameResolutionError(host, `${e.detail ?? e.message} (${e.code})`);
    (out as { cause?: unknown }).cause = err;
    return out;
  }
  if (e.code === 'NBIO_ABORTED') {
    return new AbortedError(`Resolving '${host}' was cancelled.`, {
      cause: (err as { cause?: unknown }).cause ?? err,
    });
  }
  return err;
}
