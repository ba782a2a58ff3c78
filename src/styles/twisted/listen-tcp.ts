/**
 * `listenTCP`: serve a factory's protocols on a TCP port (Twisted's `reactor.listenTCP`),
 * built on nbio's `createServer`. The loop is passed explicitly: there is no reactor.
 *
 * One deliberate difference: the default interface is nbio's, `127.0.0.1` (loopback only),
 * not Twisted's `''` (every interface). Reaching a server from the network is a decision:
 * pass `{ interface: '0.0.0.0' }` or `'::'` (or `''`, Twisted's spelling of `0.0.0.0`).
 *
 * @module
 */
import type { EventLoop } from '../../loop/event-loop.ts';
import { createServer, type Server } from '../../net/listener.ts';
import { Deferred, succeed } from './deferred.ts';
import type { Factory } from './factory.ts';
import { type Address, ProtocolAdapter, toAddress } from './tcp-transport.ts';

/** Options of {@link listenTCP}. */
export interface ListenTCPOptions {
  /** The address to bind; default `127.0.0.1` (see the module comment). */
  interface?: string;
  /** listen() backlog; default 511 (Twisted's is 50). */
  backlog?: number;
}

/** A listening port (Twisted's `IListeningPort`). */
export class Port {
  readonly #loop: EventLoop;
  readonly #server: Server;
  readonly #factory: Factory;
  #stopped: Deferred<undefined> | null = null;

  /** Use {@link listenTCP}. */
  constructor(loop: EventLoop, server: Server, factory: Factory) {
    this.#loop = loop;
    this.#server = server;
    this.#factory = factory;
  }

  /** The address listened on, with the real port when 0 was asked for. */
  getHost(): Address {
    return toAddress(this.#server.address())!;
  }

  /** The nbio server underneath (stats, closeConnections). */
  get server(): Server {
    return this.#server;
  }

  /**
   * Stops accepting and closes the listening socket; connections already made stay open.
   * @returns a Deferred fired on the next loop turn, once the port is closed; the same one
   *   on later calls
   */
  stopListening(): Deferred<undefined> {
    if (this.#stopped !== null) return this.#stopped;
    this.#server.close();
    this.#factory.doStop();
    if (this.#loop.isClosed) {
      this.#stopped = succeed(undefined);
    } else {
      const d = new Deferred<undefined>();
      this.#stopped = d;
      this.#loop.callSoon(() => d.callback(undefined));
    }
    return this.#stopped;
  }
}

/**
 * Listens on `port` (0: a free one; read it with `getHost().port`) and serves each connection
 * with a protocol from `factory.buildProtocol(peerAddress)`.
 * @throws AddressInUseError when the port is taken; InvalidArgumentError for bad arguments
 */
export function listenTCP(
  loop: EventLoop,
  port: number,
  factory: Factory,
  options: ListenTCPOptions = {},
): Port {
  const host = options.interface === '' ? '0.0.0.0' : options.interface;
  factory.doStart();
  let server: Server;
  try {
    server = createServer(loop, () => new ProtocolAdapter((peer) => factory.buildProtocol(peer)), {
      host,
      port,
      backlog: options.backlog,
    });
  } catch (err) {
    factory.doStop();
    throw err;
  }
  return new Port(loop, server, factory);
}
