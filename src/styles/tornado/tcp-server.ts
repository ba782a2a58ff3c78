/**
 * `TCPServer` and `TCPClient`: connections as {@link IOStream}s (Tornado's
 * `tornado.tcpserver.TCPServer` and `tornado.tcpclient.TCPClient`), on nbio's `createServer`
 * and `createConnection`, with the loop passed explicitly.
 *
 * ```ts
 * const server = new TCPServer(loop, async (stream) => {
 *   for (;;) await stream.write(await stream.readUntil('\n'));
 * });
 * server.listen(0);
 * const stream = await new TCPClient(loop).connect('127.0.0.1', server.address().port);
 * ```
 *
 * One difference from Tornado: `listen(port)` binds `127.0.0.1` unless told otherwise (nbio's
 * rule: reaching a server from the network is a decision); Tornado binds every interface.
 *
 * @module
 */
import { BusyResourceError, checkDelay, InvalidArgumentError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { createConnection } from '../../net/connect.ts';
import { createServer, type Server } from '../../net/listener.ts';
import type { SocketAddress } from '../../sys/sockaddr.ts';
import { IOLoop } from './io-loop.ts';
import { type IOStream, type IOStreamOptions, streamProtocol } from './io-stream.ts';

/** Handles one accepted connection; a returned Promise that rejects is reported to the loop. */
export type StreamHandler = (stream: IOStream, address: SocketAddress | null) => unknown;

/** A server handing each connection to `handleStream`; see the module comment. */
export class TCPServer {
  readonly #loop: EventLoop;
  readonly #handler: StreamHandler | null;
  readonly #options: IOStreamOptions;
  #server: Server | null = null;

  /**
   * @param loop the loop (or IOLoop façade)
   * @param handleStream the handler; or subclass and override `handleStream`
   * @param options for each connection's IOStream (`maxBufferSize`)
   */
  constructor(loop: EventLoop | IOLoop, handleStream?: StreamHandler, options: IOStreamOptions = {}) {
    this.#loop = loop instanceof IOLoop ? loop.loop : loop;
    this.#handler = handleStream ?? null;
    this.#options = options;
  }

  /** Called for each connection (override, or pass a handler to the constructor). */
  handleStream(stream: IOStream, address: SocketAddress | null): unknown {
    if (this.#handler === null) {
      throw new InvalidArgumentError(
        'TCPServer has no handleStream: pass one to the constructor, or override it.',
      );
    }
    return this.#handler(stream, address);
  }

  /**
   * Binds and listens (synchronously); `port` 0 picks a free port (see `address()`).
   * @throws AddressInUseError, InvalidArgumentError, BusyResourceError when already listening
   */
  listen(port: number, address = '127.0.0.1'): void {
    if (this.#server !== null) {
      throw new BusyResourceError('This TCPServer is already listening: stop() it, or create another.');
    }
    const onStream = (stream: IOStream) => {
      const result = this.handleStream(stream, stream.transport.getExtraInfo('peername'));
      const thenable = result as PromiseLike<unknown> | null;
      if (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function') {
        thenable.then(undefined, (err: unknown) => {
          if (!this.#loop.isClosed) this.#loop.reportException(err, 'TCPServer.handleStream');
        });
      }
    };
    this.#server = createServer(this.#loop, streamProtocol(onStream, this.#options), { host: address, port });
  }

  /** The address listened on (with the real port). @throws InvalidArgumentError before listen() */
  address(): SocketAddress & { port: number } {
    if (this.#server === null)
      throw new InvalidArgumentError('This TCPServer is not listening: call listen() first.');
    return this.#server.address() as SocketAddress & { port: number };
  }

  /** The nbio server underneath, or null. */
  get server(): Server | null {
    return this.#server;
  }

  /** Stops listening; connections already accepted go on (as Tornado). */
  stop(): void {
    this.#server?.close();
    this.#server = null;
  }
}

/** Opens client connections as IOStreams (Tornado's `TCPClient`). */
export class TCPClient {
  readonly #loop: EventLoop;

  /** @param loop the loop (or IOLoop façade) */
  constructor(loop: EventLoop | IOLoop) {
    this.#loop = loop instanceof IOLoop ? loop.loop : loop;
  }

  /**
   * Connects to `host`:`port`.
   * @param options `timeoutSec` (seconds, as Tornado's `timeout`), `maxBufferSize`
   * @returns the stream; rejects with ConnectionRefusedError, TimeoutError, InvalidArgumentError …
   */
  connect(
    host: string,
    port: number,
    options: IOStreamOptions & { timeoutSec?: number } = {},
  ): Promise<IOStream> {
    return new Promise<IOStream>((resolve, reject) => {
      let stream: IOStream | null = null;
      const timeoutMs =
        options.timeoutSec === undefined
          ? undefined
          : checkDelay(options.timeoutSec, 'connect timeoutSec', { unit: 's', positive: true }) * 1000;
      createConnection(
        this.#loop,
        streamProtocol((s) => {
          stream = s;
        }, options),
        { host, port, timeoutMs },
        (err) => {
          if (err !== null) reject(err);
          else resolve(stream!);
        },
      );
    });
  }
}
