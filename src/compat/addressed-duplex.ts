/**
 * `AddressedDuplex`: the part of `net.Socket`'s surface that only reads — the local and remote
 * endpoints in `net`'s shapes, and the connection's state as `net` reports it (`readyState`,
 * `pending`, `connecting`, `bufferSize`) — and `ref()`/`unref()`. The compat {@link Socket}
 * extends it; it holds no state but a cache of the peer's address and the ref flag.
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

/** `net`'s `readyState` values. */
export type ReadyState = 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';

/** Where a socket's connection stands: none yet, being made, open, or closed. */
export type ConnectionState = 'unconnected' | 'connecting' | 'open' | 'closed';

/** A Duplex over an nbio transport, with `net.Socket`'s address and state accessors. */
export abstract class AddressedDuplex extends Duplex {
  /** Fetched once per transport (getpeername), kept after close as `net` keeps what it saw. */
  #peer: SocketAddress | null | undefined;
  /** The transport #peer was read from (a socket that connects again gets a new one). */
  #peerOf: Transport | null = null;
  #refed = true;

  /** The nbio transport carrying the bytes (null before connecting). */
  abstract get transport(): Transport | null;

  /** Where the connection stands. */
  abstract get connectionState(): ConnectionState;

  /** True while a connection attempt is in progress. */
  get connecting(): boolean {
    return this.connectionState === 'connecting';
  }

  /** `net`'s deprecated name of {@link AddressedDuplex.connecting}. */
  get _connecting(): boolean {
    return this.connecting;
  }

  /** True until connected and again once closed (as `net`: no open connection). */
  get pending(): boolean {
    return this.connectionState !== 'open';
  }

  /**
   * Bytes waiting to be written: the stream's buffer plus the transport's (undefined with no
   * open connection, as `net`).
   */
  get bufferSize(): number | undefined {
    const t = this.transport;
    if (t === null || this.connectionState !== 'open') return undefined;
    return this.writableLength + t.bufferedAmount;
  }

  /** `'opening'`, `'open'`, `'readOnly'`, `'writeOnly'` or `'closed'`, as `net`. */
  get readyState(): ReadyState {
    const state = this.connectionState;
    if (state === 'connecting') return 'opening';
    if (state === 'unconnected' || this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

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

  /** Undoes `unref()`. */
  ref(): this {
    this.#refed = true;
    this.transport?.ref();
    return this;
  }

  /**
   * Lets the process exit while this socket is open, as `net`'s `unref()`: its transport stops
   * holding a guest loop's process (`transport.unref()`). Called before the connection is
   * made, it applies once connected (the connection attempt itself still holds the process).
   */
  unref(): this {
    this.#refed = false;
    this.transport?.unref();
    return this;
  }

  /** False after `unref()` (as Node's `Timeout.hasRef()`). */
  hasRef(): boolean {
    return this.#refed;
  }

  #peerAddress(): SocketAddress | null {
    const t = this.transport;
    if (t !== null && (this.#peer === undefined || this.#peerOf !== t)) {
      this.#peer = t.getExtraInfo('peername');
      this.#peerOf = t;
    }
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
