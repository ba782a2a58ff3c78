/**
 * `--host` for the CLI's servers: an IP address is used as it is; a name (`localhost`, a name in
 * /etc/hosts, a DNS name) is resolved with nbio's own resolver (getaddrinfo on the resolver's
 * worker threads, src/net/resolver.ts) before binding, and a name that does not resolve is
 * refused with a message for the person at the terminal.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { ipLiteralAddress } from '../net/address.ts';
import { closeResolver, resolve } from '../net/resolver.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';

/** The `--host` flag of every CLI server (`nbio echo`, `nbio http`): resolved by {@link resolveListenHost}. */
export const HOST_FLAG = {
  type: 'string',
  default: '127.0.0.1',
  help: 'address or host name to listen on (a name is resolved first)',
} as const;

/** What to say about addresses a server can listen on. */
const LISTEN_HINT =
  'give an IP address of this machine instead: 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)';

/**
 * The address to bind for `host`: `host` itself when it is an IP address, else the first IPv4
 * address it resolves to (the first address when it has no IPv4 one).
 * @param flag how the command line named it, for the message
 * @throws InvalidArgumentError (NBIO_NAME_NOT_RESOLVED) when the name does not resolve; it says
 *   which name, why, and what to give instead
 */
export async function resolveListenHost(loop: EventLoop, host: string, flag = '--host'): Promise<string> {
  if (ipLiteralAddress(host, 0) !== null) return host;
  let addresses: SocketAddress[];
  try {
    addresses = await loop.runUntilComplete(
      () =>
        new Promise<SocketAddress[]>((ok, fail) => {
          resolve(loop, host, {}, (err, found) => (err !== null ? fail(err) : ok(found)));
        }),
    );
  } catch (err) {
    const message = (err as { message?: string }).message ?? String(err);
    // NameResolutionError says "Cannot resolve 'x': <getaddrinfo's words>. Check …": keep the words.
    const why = /^Cannot resolve '.*?': (.*?)\. Check/.exec(message)?.[1] ?? message;
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(host)} does not resolve to an address (${why}); ${LISTEN_HINT}.`,
      'NBIO_NAME_NOT_RESOLVED',
      { cause: err },
    );
  } finally {
    closeResolver(loop);
  }
  const ips = addresses.flatMap((a) => (a.family === 'unix' ? [] : [a]));
  const chosen = ips.find((a) => a.family === 'ipv4') ?? ips[0];
  if (chosen === undefined) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(host)} resolved to no IP address; ${LISTEN_HINT}.`,
      'NBIO_NAME_NOT_RESOLVED',
    );
  }
  return chosen.address;
}
