/**
 * Checking what callers pass as host, port and path, and turning IP literals into
 * {@link SocketAddress} values without any resolver (src/sys/sockaddr.ts parses the text).
 *
 * Every check throws {@link InvalidArgumentError} with a message that says what to pass
 * instead, *before* any descriptor is opened.
 *
 * Host names other than IP literals need the resolver (resolver.ts, asynchronous). The one
 * exception is `'localhost'`, which {@link serverAddress} maps to `127.0.0.1` so that
 * `createServer` can stay synchronous.
 *
 * @module
 */
import { describeValue, InvalidArgumentError } from '../errors.ts';
import { sys } from '../sys/constants.ts';
import {
  formatIpv6,
  type Ipv4Address,
  type Ipv6Address,
  parseIpv4,
  parseIpv6,
  type SocketAddress,
  type UnixAddress,
} from '../sys/sockaddr.ts';

/** The host a server listens on when none is given: loopback only (see {@link serverAddress}). */
export const DEFAULT_SERVER_HOST = '127.0.0.1';

/** The longest DNS name (RFC 1035: 253 characters in text form). */
const MAX_HOST_LENGTH = 253;
/** Letters, digits, `-`, `_` and dots: what a host name may contain (`_` for SRV-style labels). */
const HOST_NAME =
  /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/**
 * Checks a port number.
 * @returns the port
 * @throws InvalidArgumentError unless it is an integer from 0 to 65535
 */
export function checkPort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(
      `Invalid port ${describeValue(port)}: use an integer from 0 to 65535 (0 picks a free port).`,
    );
  }
  return port;
}

/**
 * Checks a host: an IPv4 or IPv6 literal (brackets allowed: `[::1]`) or a syntactically valid
 * host name.
 * @returns the host, brackets removed
 * @throws InvalidArgumentError for anything else (empty, spaces, a URL, a stray `:` …)
 */
export function checkHost(host: unknown): string {
  if (typeof host !== 'string' || host.length === 0) {
    throw new InvalidArgumentError(
      `Invalid host ${JSON.stringify(host) ?? String(host)}: pass an IP address such as '127.0.0.1' or '::1', or a host name.`,
    );
  }
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (parseIpv4(h) !== null || parseIpv6(h) !== null) return h;
  if (h.length > MAX_HOST_LENGTH || !HOST_NAME.test(h) || /^[0-9.]+$/.test(h)) {
    throw new InvalidArgumentError(
      `Invalid host '${host}': it is neither an IP address nor a host name. Pass e.g. '127.0.0.1', '::1' or 'example.com' (no scheme, port or path).`,
    );
  }
  return h;
}

/**
 * The address for an IP literal, or null when `host` is not one (then it is a name to
 * resolve). IPv6 text is normalised (RFC 5952); a numeric zone (`fe80::1%2`) becomes
 * `scopeId`.
 * @throws InvalidArgumentError for a named zone (`%eth0`): nbio has no if_nametoindex
 */
export function ipLiteralAddress(host: string, port: number): Ipv4Address | Ipv6Address | null {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (parseIpv4(h) !== null) return { family: 'ipv4', address: h, port };
  const v6 = parseIpv6(h);
  if (v6 === null) return null;
  const addr: Ipv6Address = { family: 'ipv6', address: formatIpv6(v6), port };
  const pct = h.indexOf('%');
  if (pct >= 0) {
    const zone = h.slice(pct + 1);
    if (!/^\d+$/.test(zone)) {
      throw new InvalidArgumentError(
        `Cannot use the IPv6 zone '%${zone}' in '${host}': give the interface's number instead (see 'ip link'), e.g. '${h.slice(0, pct)}%2'.`,
      );
    }
    addr.scopeId = Number(zone);
  }
  return addr;
}

/**
 * A Unix-domain socket address.
 * @throws InvalidArgumentError for an empty path, a NUL byte, or a path too long for
 *   `sockaddr_un` on this OS
 */
export function unixAddress(path: unknown): UnixAddress {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError(
      `Invalid Unix socket path ${JSON.stringify(path) ?? String(path)}: pass a non-empty file system path.`,
    );
  }
  if (path.includes('\0')) {
    throw new InvalidArgumentError(
      `Invalid Unix socket path: it contains a NUL byte (abstract sockets are not supported). Pass a file system path.`,
    );
  }
  const bytes = Buffer.byteLength(path);
  if (bytes >= sys.SOCKADDR_UN_PATH_MAX) {
    throw new InvalidArgumentError(
      `Unix socket path is ${bytes} bytes; the limit here is ${sys.SOCKADDR_UN_PATH_MAX - 1}. Use a shorter path (e.g. under /tmp).`,
    );
  }
  return { family: 'unix', path };
}

/** Where a server listens: a host and port, or a Unix path. */
export interface ListenTarget {
  /** IP literal or 'localhost'; default (also when `undefined`) {@link DEFAULT_SERVER_HOST}. */
  host?: string | undefined;
  /** Default 0 (a free port the kernel picks; read it back with `server.address()`). */
  port?: number;
  /** A Unix socket path instead of host/port. */
  path?: string;
}

/**
 * The address a server binds, computed synchronously. The default host is `127.0.0.1`
 * (loopback only): a server reachable from the network is a decision the caller makes by
 * passing `'0.0.0.0'` or `'::'`, never an accident of defaults. `'localhost'` means
 * `127.0.0.1`, the one address every system gives that name.
 * @throws InvalidArgumentError for a bad host/port/path, both a path and a host/port, or a
 *   host name (resolve it first: binding is synchronous)
 */
export function serverAddress(target: ListenTarget): SocketAddress {
  if (target.path !== undefined) {
    if (target.host !== undefined || target.port !== undefined) {
      throw new InvalidArgumentError(
        'Cannot listen on both a Unix path and a host/port: pass either `path` or `host`/`port`.',
      );
    }
    return unixAddress(target.path);
  }
  const port = checkPort(target.port ?? 0);
  const host = checkHost(target.host ?? DEFAULT_SERVER_HOST);
  if (host.toLowerCase() === 'localhost') return { family: 'ipv4', address: '127.0.0.1', port };
  const addr = ipLiteralAddress(host, port);
  if (addr === null) {
    throw new InvalidArgumentError(
      `Cannot listen on host '${host}': createServer binds synchronously and takes an IP address ('127.0.0.1', '::1', '0.0.0.0', '::') or 'localhost'. Resolve the name first with resolve().`,
    );
  }
  return addr;
}
