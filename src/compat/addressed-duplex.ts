/**
 * `AddressedDuplex`: the part of `net.Socket`'s surface that only reads the transport — the
 * local and remote endpoints in `net`'s shapes — and the `ref()`/`unref()` no-ops. The compat
 * {@link Socket} extends it; it holds no state but a cache of the peer's address.
 *
 * @module
 */
import { Duplex } from 'node:stream';
import type { Transport } from '../net/transport.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';

/** An IP endpoint as `net` reports it (`address()`, `server.address()`). */
export interface AddressInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

/** A Duplex over an nbio transport, with `net.Socket`'s address accessors. */
export abstract class AddressedDuplex extends Duplex {
  /** Fetched once (getpeername), kept after close as `net` keeps what it saw. */
  #peer: SocketAddress | null | undefined;

  /** The nbio transport carrying the bytes (null before connecting). */
  abstract get transport(): Transport | null;

  /** The peer's IP address (undefined before connecting and for Unix sockets). */
  get remoteAddress(): string | undefined {
    return ipOf(this.#peerAddress());
  }

  /** The peer's port. */
  get remotePort(): number | undefined {
    return portOf(this.#peerAddress());
  }

  /** `'IPv4'` or `'IPv6'`. */
  get remoteFamily(): 'IPv4' | 'IPv6' | undefined {
    return familyName(this.#peerAddress());
  }

  /** The local IP address. */
  get localAddress(): string | undefined {
    return ipOf(this.#localAddress());
  }

  /** The local port. */
  get localPort(): number | undefined {
    return portOf(this.#localAddress());
  }

  /** `'IPv4'` or `'IPv6'`. */
  get localFamily(): 'IPv4' | 'IPv6' | undefined {
    return familyName(this.#localAddress());
  }

  /** The local endpoint as `{ address, family, port }` (`{}` when unknown or a Unix socket). */
  address(): AddressInfo | Record<string, never> {
    const a = this.#localAddress();
    if (a === null || a.family === 'unix') return {};
    return { address: a.address, family: a.family === 'ipv4' ? 'IPv4' : 'IPv6', port: a.port };
  }

  /**
   * A no-op kept for compatibility: one nbio loop watches all its sockets through one libuv
   * handle, so a single socket cannot be unreferenced; an open socket keeps a guest loop (and
   * the process) alive while it is read.
   */
  ref(): this {
    return this;
  }

  /** A no-op kept for compatibility; see {@link AddressedDuplex.ref}. */
  unref(): this {
    return this;
  }

  #peerAddress(): SocketAddress | null {
    const t = this.transport;
    if (this.#peer === undefined && t !== null) this.#peer = t.getExtraInfo('peername');
    return this.#peer ?? null;
  }

  #localAddress(): SocketAddress | null {
    return this.transport?.getExtraInfo('sockname') ?? null;
  }
}

function ipOf(a: SocketAddress | null): string | undefined {
  return a !== null && a.family !== 'unix' ? a.address : undefined;
}

function portOf(a: SocketAddress | null): number | undefined {
  return a !== null && a.family !== 'unix' ? a.port : undefined;
}

function familyName(a: SocketAddress | null): 'IPv4' | 'IPv6' | undefined {
  if (a === null || a.family === 'unix') return undefined;
  return a.family === 'ipv4' ? 'IPv4' : 'IPv6';
}
