/**
 * Opening a listening socket for `Server` (listener.ts): socket, options, bind, listen,
 * with the failures turned into nbio's typed errors, and the removal of a Unix socket file a
 * crashed server left behind (see listener.ts, "Unix paths").
 *
 * @module
 * @internal
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { AddressInUseError, InvalidArgumentError } from '../errors.ts';
import { sys } from '../sys/constants.ts';
import { OsError } from '../sys/errno.ts';
import { close as closeFd } from '../sys/fd.ts';
import { familyOf, type SocketAddress } from '../sys/sockaddr.ts';
import { bind, connect, describe, listen, setIntOption, socket } from '../sys/socket.ts';

/**
 * @internal socket + SO_REUSEADDR (+ SO_REUSEPORT, IPV6_V6ONLY) + bind + listen; closes the
 * socket on any failure.
 * @returns the listening fd
 * @throws AddressInUseError when the address is taken (or a Unix path is in use);
 *   InvalidArgumentError when no interface has the address; OsError for other failures
 */
export function listenOn(addr: SocketAddress, backlog: number, reusePort: boolean, v6Only: boolean): number {
  if (addr.family === 'unix') removeStaleSocket(addr.path);
  const fd = socket(familyOf(addr), 'stream');
  try {
    // SO_REUSEADDR: a restarted server can bind while old connections sit in TIME_WAIT.
    if (addr.family !== 'unix') setIntOption(fd, sys.SOL_SOCKET, sys.SO_REUSEADDR, 1);
    if (reusePort) setIntOption(fd, sys.SOL_SOCKET, sys.SO_REUSEPORT, 1);
    if (v6Only && addr.family === 'ipv6') setIntOption(fd, sys.IPPROTO_IPV6, sys.IPV6_V6ONLY, 1);
    bind(fd, addr);
    listen(fd, backlog);
    return fd;
  } catch (err) {
    closeFd(fd);
    if (err instanceof OsError && err.code === 'EADDRINUSE')
      throw new AddressInUseError(describe(addr), { cause: err });
    if (err instanceof OsError && err.code === 'EADDRNOTAVAIL') {
      throw new InvalidArgumentError(
        `Cannot listen on ${describe(addr)}: no interface of this machine has that address. Use one of its addresses, '0.0.0.0' or '::'.`,
        'NBIO_INVALID_ARGUMENT',
        { cause: err },
      );
    }
    throw err;
  }
}

/** Removes `path` if it is a socket nobody listens on; throws AddressInUseError if it is in use. */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there (or not reachable: bind will say why)
  }
  if (!isSocket) throw new AddressInUseError(`${path} (an existing file that is not a socket)`);
  const probe = socket(sys.AF_UNIX, 'stream');
  try {
    connect(probe, { family: 'unix', path });
  } catch (err) {
    if (err instanceof OsError && err.code === 'ECONNREFUSED') {
      unlinkSync(path); // a leftover of a server that is gone
      return;
    }
    if (err instanceof OsError && err.code === 'ENOENT') return; // removed meanwhile
    throw new AddressInUseError(path, { cause: err });
  } finally {
    closeFd(probe);
  }
  throw new AddressInUseError(path);
}
