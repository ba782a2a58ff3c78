/**
 * `connectTCP`: connect to a TCP server with a {@link ClientFactory} (Twisted's
 * `reactor.connectTCP`), built on nbio's `createConnection`. Returns a {@link Connector}
 * that can stop the attempt, drop the connection, or connect again (reconnecting clients call
 * `connector.connect()` from `clientConnectionLost`/`clientConnectionFailed`).
 *
 * The factory hears, in Twisted's order: `startedConnecting(connector)`; then either
 * `clientConnectionFailed(connector, reason)`, or `buildProtocol(addr)` and the protocol's
 * `connectionMade()` … `connectionLost(reason)`, then `clientConnectionLost(connector, reason)`.
 *
 * @module
 */
import { BusyResourceError, ClosedResourceError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { type ConnectRequest, createConnection } from '../../net/connect.ts';
import { checkSeconds } from './delayed-call.ts';
import type { ClientFactory } from './factory.ts';
import { type Address, ProtocolAdapter, type TcpTransport } from './tcp-transport.ts';

/** Options of {@link connectTCP}. */
export interface ConnectTCPOptions {
  /** Give up after this many **seconds** (Twisted's unit); default 30, as Twisted. */
  timeout?: number;
}

/** Where a Connector is. */
export type ConnectorState = 'disconnected' | 'connecting' | 'connected';

/** One client connection's life, across reconnects (Twisted's `IConnector`). */
export class Connector {
  readonly #loop: EventLoop;
  readonly #host: string;
  readonly #port: number;
  readonly #factory: ClientFactory;
  readonly #timeoutSec: number;
  #state: ConnectorState = 'disconnected';
  #request: ConnectRequest | null = null;
  #transport: TcpTransport | null = null;

  /** Use {@link connectTCP}. */
  constructor(
    loop: EventLoop,
    host: string,
    port: number,
    factory: ClientFactory,
    options: ConnectTCPOptions = {},
  ) {
    this.#loop = loop;
    this.#host = host;
    this.#port = port;
    this.#factory = factory;
    this.#timeoutSec = checkSeconds('connectTCP timeout', options.timeout ?? 30);
  }

  /** `'disconnected'`, `'connecting'` or `'connected'`. */
  get state(): ConnectorState {
    return this.#state;
  }

  /** The connection's transport while connected, else null. */
  get transport(): TcpTransport | null {
    return this.#transport;
  }

  /** Where this connector connects to. */
  getDestination(): Address {
    return { type: 'TCP', host: this.#host, port: this.#port };
  }

  /**
   * Starts an attempt (again).
   * @throws BusyResourceError unless disconnected; InvalidArgumentError for a bad host or port
   */
  connect(): void {
    if (this.#state !== 'disconnected') {
      throw new BusyResourceError(`Cannot connect: this connector is ${this.#state}. disconnect() first.`);
    }
    const factory = this.#factory;
    const adapter: ProtocolAdapter = new ProtocolAdapter(
      (peer) => {
        this.#state = 'connected';
        this.#transport = adapter.tcp;
        return factory.buildProtocol(peer);
      },
      (reason) => {
        this.#state = 'disconnected';
        this.#transport = null;
        factory.clientConnectionLost(this, reason);
        factory.doStop();
      },
    );
    const request = createConnection(
      this.#loop,
      () => adapter,
      { host: this.#host, port: this.#port, timeoutMs: this.#timeoutSec * 1000 },
      (err) => {
        this.#request = null;
        if (err === null) return; // connected: the adapter's connectionMade already ran
        this.#state = 'disconnected';
        factory.clientConnectionFailed(this, err);
        factory.doStop();
      },
    );
    this.#state = 'connecting';
    this.#request = request;
    factory.doStart();
    factory.startedConnecting(this);
  }

  /**
   * Abandons the attempt in progress: `clientConnectionFailed` follows with an AbortedError.
   * @throws ClosedResourceError when not connecting
   */
  stopConnecting(): void {
    if (this.#state !== 'connecting' || this.#request === null) {
      throw new ClosedResourceError(
        `Cannot stopConnecting: this connector is ${this.#state}, not connecting.`,
      );
    }
    this.#request.cancel(new Error('stopConnecting() was called'));
  }

  /** Stops connecting, or closes the connection (flushing first); nothing when disconnected. */
  disconnect(): void {
    if (this.#state === 'connecting') this.stopConnecting();
    else if (this.#state === 'connected') this.#transport?.loseConnection();
  }
}

/**
 * Connects to `host`:`port`; the factory builds the protocol once connected.
 * @throws InvalidArgumentError for a bad host, port or timeout
 */
export function connectTCP(
  loop: EventLoop,
  host: string,
  port: number,
  factory: ClientFactory,
  options: ConnectTCPOptions = {},
): Connector {
  const connector = new Connector(loop, host, port, factory, options);
  connector.connect();
  return connector;
}
