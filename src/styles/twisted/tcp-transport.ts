/**
 * The transport a Twisted-style {@link Protocol} talks to (Twisted's `ITCPTransport`), as a
 * thin adapter over an nbio {@link Transport}, and the adapter that lets an nbio transport
 * drive a Twisted-style protocol.
 *
 * | Twisted | here | nbio Transport underneath |
 * |---|---|---|
 * | `write(data)` / `writeSequence(seq)` | same | `write` / `writeLines` |
 * | `loseConnection()` | same | `close()` (flushes first) |
 * | `abortConnection()` | same | `abort()` |
 * | `loseWriteConnection()` | same | `writeEof()` |
 * | `pauseProducing()` / `resumeProducing()` | same | `pauseReading` / `resumeReading` |
 * | `registerProducer(p, true)` | same | `pauseWriting`/`resumeWriting` call `p.pauseProducing`/`p.resumeProducing` |
 * | `getPeer()` / `getHost()` | same | `getExtraInfo('peername' / 'sockname')` |
 *
 * @module
 */
import { BusyResourceError } from '../../errors.ts';
import type { Protocol as NetProtocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';
import type { SocketAddress } from '../../sys/sockaddr.ts';
import type { Protocol } from './protocol.ts';

/** An endpoint, as Twisted's `IPv4Address`/`IPv6Address` (`type: 'TCP'`) or `UNIXAddress`. */
export type Address =
  | { readonly type: 'TCP'; readonly host: string; readonly port: number }
  | { readonly type: 'UNIX'; readonly name: string };

/** Converts a socket address to a Twisted-style {@link Address} (null stays null). */
export function toAddress(a: SocketAddress | null): Address | null {
  if (a === null) return null;
  if (a.family === 'unix') return { type: 'UNIX', name: a.path };
  return { type: 'TCP', host: a.address, port: a.port };
}

/** Something that produces data and can be told to stop and go on (Twisted's `IPushProducer`). */
export interface Producer {
  pauseProducing(): void;
  resumeProducing(): void;
  stopProducing?(): void;
}

/** A connection as a Twisted-style protocol sees it; see the module comment. */
export class TcpTransport {
  /** The nbio transport underneath. */
  readonly transport: Transport;
  #producer: Producer | null = null;

  /** @param transport the nbio transport to adapt */
  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** Sends bytes (buffered when the socket is full). */
  write(data: Uint8Array | string): void {
    this.transport.write(data);
  }

  /** Sends several pieces in order (one writev where possible). */
  writeSequence(chunks: readonly (Uint8Array | string)[]): void {
    if (this.transport.writeLines !== undefined) this.transport.writeLines(chunks);
    else for (const c of chunks) this.transport.write(c);
  }

  /** Closes once everything written was sent; `connectionLost` follows. */
  loseConnection(): void {
    this.transport.close();
  }

  /** Closes at once, dropping unsent data; `connectionLost` follows. */
  abortConnection(): void {
    this.transport.abort();
  }

  /** Half-closes: no more writing (the peer sees EOF); reading goes on. */
  loseWriteConnection(): void {
    this.transport.writeEof();
  }

  /** True once closing began (Twisted's `disconnecting`). */
  get disconnecting(): boolean {
    return this.transport.isClosing;
  }

  /** Stops reading from the socket (the peer sees backpressure). */
  pauseProducing(): void {
    this.transport.pauseReading();
  }

  /** Resumes reading. */
  resumeProducing(): void {
    this.transport.resumeReading();
  }

  /** Twisted's `stopProducing` for a connection: closes it. */
  stopProducing(): void {
    this.transport.close();
  }

  /** The remote end. */
  getPeer(): Address | null {
    return toAddress(this.transport.getExtraInfo('peername'));
  }

  /** The local end. */
  getHost(): Address | null {
    return toAddress(this.transport.getExtraInfo('sockname'));
  }

  /** TCP_NODELAY on or off. */
  setTcpNoDelay(enabled: boolean): void {
    this.transport.setNoDelay(enabled);
  }

  /** SO_KEEPALIVE on or off. */
  setTcpKeepAlive(enabled: boolean): void {
    this.transport.setKeepAlive(enabled);
  }

  /**
   * Registers a producer to pause while the write buffer is above its high water mark
   * (only streaming producers: Twisted's `streaming=True`).
   * @throws BusyResourceError when one is registered already
   */
  registerProducer(producer: Producer, streaming = true): void {
    if (this.#producer !== null) {
      throw new BusyResourceError(
        'Cannot register a producer: one is registered already. unregisterProducer() first.',
      );
    }
    if (!streaming) {
      throw new BusyResourceError('Pull producers (streaming=false) are not supported: use a push producer.');
    }
    this.#producer = producer;
  }

  /** Forgets the producer. */
  unregisterProducer(): void {
    this.#producer = null;
  }

  /** @internal the write buffer went above the high water mark */
  writeBufferFull(): void {
    this.#producer?.pauseProducing();
  }

  /** @internal the write buffer drained */
  writeBufferDrained(): void {
    this.#producer?.resumeProducing();
  }
}

/**
 * An nbio protocol that drives a Twisted-style one: it builds the protocol once the
 * connection is made (so `buildProtocol` gets the peer's address), then forwards events.
 */
export class ProtocolAdapter implements NetProtocol {
  readonly #build: (peer: Address | null) => Protocol | null;
  readonly #onLost: ((reason: Error | undefined) => void) | undefined;
  #protocol: Protocol | null = null;
  #tcp: TcpTransport | null = null;

  /**
   * @param build returns the protocol for this connection, or null to refuse it (closed at once)
   * @param onLost called after the protocol's `connectionLost`
   */
  constructor(
    build: (peer: Address | null) => Protocol | null,
    onLost?: (reason: Error | undefined) => void,
  ) {
    this.#build = build;
    this.#onLost = onLost;
  }

  /** The Twisted-style transport, once the connection is made. */
  get tcp(): TcpTransport | null {
    return this.#tcp;
  }

  /** Builds the protocol for this peer and makes the connection (or aborts when refused). */
  connectionMade(transport: Transport): void {
    const tcp = new TcpTransport(transport);
    this.#tcp = tcp;
    const protocol = this.#build(tcp.getPeer());
    if (protocol === null) {
      transport.abort();
      return;
    }
    this.#protocol = protocol;
    protocol.makeConnection(tcp);
  }

  /** Forwards the bytes to the protocol. */
  dataReceived(data: Buffer): void {
    this.#protocol?.dataReceived(data);
  }

  /** Keeps the connection open for writing only when the protocol has `readConnectionLost`. */
  eofReceived(): boolean {
    // Twisted's IHalfCloseableProtocol: a protocol with readConnectionLost stays open for writing.
    const p = this.#protocol;
    if (p?.readConnectionLost === undefined) return false;
    p.readConnectionLost();
    return true;
  }

  /** Tells the protocol, then the `onLost` hook (connectors tell their factory). */
  connectionLost(error?: Error): void {
    const p = this.#protocol;
    if (p !== null) {
      p.connected = false;
      p.connectionLost(error);
    }
    this.#onLost?.(error);
  }

  /** The write buffer is above its high mark: pause the registered producer. */
  pauseWriting(): void {
    this.#tcp?.writeBufferFull();
  }

  /** The write buffer drained: resume the registered producer. */
  resumeWriting(): void {
    this.#tcp?.writeBufferDrained();
  }
}
