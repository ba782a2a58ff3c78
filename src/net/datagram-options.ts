/**
 * The options of a UDP endpoint and their checks, for datagram.ts: the local and remote
 * {@link HostPort}s (IP literals or `'localhost'`, taken synchronously), bind() with
 * EADDRINUSE as AddressInUseError, and the destination of each `sendto` checked against the
 * socket's family.
 *
 * @module
 */
import { AddressInUseError, InvalidArgumentError } from '../errors.ts';
import { OsError } from '../sys/errno.ts';
import type { Ipv4Address, Ipv6Address, SocketAddress } from '../sys/sockaddr.ts';
import { bind, describe } from '../sys/socket.ts';
import { checkHost, checkPort, ipLiteralAddress } from './address.ts';

/** A host (IP literal or 'localhost') and port. */
export interface HostPort {
  host: string;
  port: number;
}

/** Options of `createDatagramEndpoint` (datagram.ts). */
export interface DatagramEndpointOptions {
  /** bind() here (port 0: a free port). Default: unbound until the first send. */
  localAddress?: HostPort;
  /** connect() to this peer: `sendto` needs no address, and only its datagrams arrive. */
  remoteAddress?: HostPort;
  /** The socket's family when the addresses do not say; default 'ipv4'. */
  family?: 'ipv4' | 'ipv6';
  /** SO_REUSEADDR before bind(). */
  reuseAddress?: boolean;
  /**
   * An existing datagram socket to adopt instead of creating one (IPv4, IPv6 or Unix; bound
   * and connected already as needed). The endpoint owns it from then on and closes it. No
   * other option may be given with it.
   */
  sock?: number;
}

/**
 * @internal `hp` checked and turned into an address of `family` (when given); `what` names the
 * option in messages.
 * @throws InvalidArgumentError for a bad shape, port or host, a host name, or another family
 */
export function endpointAddress(
  what: string,
  hp: HostPort,
  family: 'ipv4' | 'ipv6' | undefined,
): Ipv4Address | Ipv6Address {
  if (hp === null || typeof hp !== 'object') {
    throw new InvalidArgumentError(`Invalid ${what}: pass { host, port }.`);
  }
  const port = checkPort(hp.port);
  const host = checkHost(hp.host);
  if (host.toLowerCase() === 'localhost') {
    return family === 'ipv6'
      ? { family, address: '::1', port }
      : { family: 'ipv4', address: '127.0.0.1', port };
  }
  const addr = ipLiteralAddress(host, port);
  if (addr === null) {
    throw new InvalidArgumentError(
      `Cannot use host '${host}' as ${what}: datagram endpoints are created synchronously and take an IP address or 'localhost'. Resolve the name first with resolve().`,
    );
  }
  if (family !== undefined && addr.family !== family) {
    throw new InvalidArgumentError(`${what} ${describe(addr)} is not an ${family} address, as family says.`);
  }
  return addr;
}

/**
 * @internal bind(), with EADDRINUSE as AddressInUseError.
 * @throws AddressInUseError when the address is taken; OsError for other failures
 */
export function bindOrExplain(fd: number, addr: SocketAddress): void {
  try {
    bind(fd, addr);
  } catch (err) {
    if (err instanceof OsError && err.code === 'EADDRINUSE') {
      throw new AddressInUseError(describe(addr), { cause: err });
    }
    throw err;
  }
}

/**
 * @internal `to` checked against the socket's family, IP text normalised.
 * @throws InvalidArgumentError for an address of another family or shape
 */
export function checkDestination(to: SocketAddress, family: SocketAddress['family']): SocketAddress {
  let addr: SocketAddress | null = null;
  if (to !== null && typeof to === 'object' && to.family === family) {
    if (to.family === 'unix') addr = typeof to.path === 'string' && to.path.length > 0 ? to : null;
    else {
      addr = ipLiteralAddress(String(to.address), checkPort(to.port));
      if (addr !== null && to.family === 'ipv6' && to.scopeId !== undefined) {
        (addr as Ipv6Address).scopeId = to.scopeId;
      }
    }
  }
  if (addr === null) {
    const shape = family === 'unix' ? '{ family, path }' : '{ family, address, port } with an IP literal';
    throw new InvalidArgumentError(
      `Cannot send to ${JSON.stringify(to)}: pass an ${family} address ${shape}.`,
    );
  }
  return addr;
}
