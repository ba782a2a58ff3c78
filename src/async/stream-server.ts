/**
 * `startServer` and `StreamServer`: a listening server that calls an async handler with a
 * `(reader, writer)` pair for each connection (asyncio's `start_server`, Tornado's `TCPServer.
 * handle_stream`). Built on L3's `createServer`; a host that is not an IP literal
 * (`'localhost'` included) is resolved first with the resolver, and the first address is used.
 *
 * A handler that throws or rejects is reported to the loop's exception handler with context
 * and its connection is aborted; the server goes on serving. A handler that returns leaves
 * its connection as it is (close the writer when done, as in asyncio).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { createServer, type Server } from '../net/listener.ts';
import { resolve } from '../net/resolver.ts';
import { parseIpv4, parseIpv6, type SocketAddress } from '../sys/sockaddr.ts';
import { abortedError, cancellable, type Settle, type SignalOptions } from './cancellable.ts';
import { StreamProtocol } from './stream-protocol.ts';
import { checkStreamLimit, type StreamReader } from './stream-reader.ts';
import type { StreamWriter } from './stream-writer.ts';

/** Serves one connection. */
export type ConnectionHandler = (reader: StreamReader, writer: StreamWriter) => Promise<void> | void;

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** IP literal or host name (resolved first); default `'127.0.0.1'` (loopback only). */
  host?: string;
  /** TCP port; 0 (the default) picks a free one — see `address()`. */
  port?: number;
  /** A Unix socket path instead of host and port. */
  path?: string;
  /** Only addresses of this family when resolving `host`. */
  family?: 'ipv4' | 'ipv6';
  /** Each reader's buffer limit; default 64 KiB. */
  limit?: number;
  /** listen() backlog; default 511. */
  backlog?: number;
  /** SO_REUSEPORT. */
  reusePort?: boolean;
  /** TCP_NODELAY on accepted connections; default true. */
  noDelay?: boolean;
  /** Cancels the name resolution (the only step that waits). */
  signal?: AbortSignal;
}

/** Counters of a stream server, as a frozen plain object. */
export interface StreamServerStats {
  /** Whether the listening socket is open. */
  readonly listening: boolean;
  /** Connections served so far. */
  readonly accepted: number;
  /** Connections not yet lost. */
  readonly connections: number;
  /** Handlers still running. */
  readonly handlersRunning: number;
  /** Handlers that threw or rejected. */
  readonly handlerErrors: number;
  /**
   * Connections refused because their fd is past what the loop's selector watches (select:
   * fd ≥ 1024); each was reported to the loop's exception handler as `NBIO_FD_TOO_LARGE`.
   */
  readonly refusedFdTooLarge: number;
}

/**
 * Resolves the host if needed, then listens.
 *
 * @example
 * ```ts
 * const server = await startServer(loop, async (reader, writer) => {
 *   for (let line = await reader.readLine(); line.length > 0; line = await reader.readLine()) {
 *     writer.write(line);
 *     await writer.drain();
 *   }
 *   writer.close();
 * }, { host: '127.0.0.1', port: 0 });
 * ```
 * @throws (rejects) AddressInUseError, NameResolutionError, AbortedError, OsError;
 *   InvalidArgumentError for bad options
 */
export async function startServer(
  loop: EventLoop,
  handler: ConnectionHandler,
  options: StartServerOptions = {},
): Promise<StreamServer> {
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError('startServer needs a handler: pass a function (reader, writer) => ….');
  }
  checkStreamLimit(options.limit);
  const { signal, family, ...listen } = options;
  if (signal?.aborted) throw abortedError('startServer()', signal);
  if (listen.path === undefined && listen.host !== undefined && !isIpLiteral(listen.host)) {
    const host = listen.host;
    const addresses = await new Promise<SocketAddress[]>((ok, fail) => {
      resolve(loop, host, { family, signal }, (err, found) => (err !== null ? fail(err) : ok(found)));
    });
    const first = addresses[0] as { address: string };
    listen.host = first.address;
  }
  return new StreamServer(loop, handler, listen);
}

/** A listening stream server; made by {@link startServer}. */
export class StreamServer {
  readonly #loop: EventLoop;
  readonly #server: Server;
  readonly #handler: ConnectionHandler;
  readonly #connections = new Set<StreamProtocol>();
  readonly #closeWaiters = new Set<Settle<void>>();
  #accepted = 0;
  #handlersRunning = 0;
  #handlerErrors = 0;

  /** @internal made by startServer */
  constructor(
    loop: EventLoop,
    handler: ConnectionHandler,
    options: Omit<StartServerOptions, 'signal' | 'family'>,
  ) {
    this.#loop = loop;
    this.#handler = handler;
    const { limit, ...listen } = options;
    this.#server = createServer(loop, () => this.#newConnection(limit), listen);
  }

  /** The address listened on (with the real port when 0 was asked for). */
  address(): SocketAddress {
    return this.#server.address();
  }

  /** True until `close()`. */
  get isServing(): boolean {
    return this.#server.isListening;
  }

  /** Stops accepting and closes the listening socket; open connections stay. Idempotent. */
  close(): void {
    this.#server.close();
    this.#checkClosed();
  }

  /** Closes every open connection after flushing it (asyncio's `close_clients`). */
  closeClients(): void {
    for (const p of this.#connections) p.writer?.close();
  }

  /** Aborts every open connection at once (asyncio's `abort_clients`). */
  abortClients(): void {
    for (const p of this.#connections) p.writer?.abort();
  }

  /**
   * Resolves once the server is closed and every connection it accepted is gone (asyncio ≥
   * 3.12's `wait_closed`).
   * @throws (rejects) AbortedError when `options.signal` aborts first
   */
  waitClosed(options: SignalOptions = {}): Promise<void> {
    return cancellable<void>('StreamServer.waitClosed()', options.signal, (settle) => {
      if (this.#isIdle()) {
        settle.resolve();
        return undefined;
      }
      this.#closeWaiters.add(settle);
      return () => this.#closeWaiters.delete(settle);
    });
  }

  /** Counters, as a frozen plain object. */
  stats(): StreamServerStats {
    return Object.freeze({
      listening: this.#server.isListening,
      accepted: this.#accepted,
      connections: this.#connections.size,
      handlersRunning: this.#handlersRunning,
      handlerErrors: this.#handlerErrors,
      refusedFdTooLarge: this.#server.stats().refusedFdTooLarge,
    });
  }

  #newConnection(limit: number | undefined): StreamProtocol {
    const protocol: StreamProtocol = new StreamProtocol({
      limit,
      onConnected: (reader, writer) => this.#run(reader, writer),
      onLost: () => {
        this.#connections.delete(protocol);
        this.#checkClosed();
      },
    });
    this.#accepted++;
    this.#connections.add(protocol);
    return protocol;
  }

  #run(reader: StreamReader, writer: StreamWriter): void {
    this.#handlersRunning++;
    const fd = writer.getExtraInfo('fd');
    Promise.resolve()
      .then(() => this.#handler(reader, writer))
      .then(
        () => {},
        (error: unknown) => {
          this.#handlerErrors++;
          if (!this.#loop.isClosed) this.#loop.reportException(error, 'stream server handler', fd);
          writer.abort();
        },
      )
      .finally(() => {
        this.#handlersRunning--;
        this.#checkClosed();
      });
  }

  #isIdle(): boolean {
    return !this.#server.isListening && this.#connections.size === 0 && this.#handlersRunning === 0;
  }

  #checkClosed(): void {
    if (!this.#isIdle() || this.#closeWaiters.size === 0) return;
    const all = [...this.#closeWaiters];
    this.#closeWaiters.clear();
    for (const w of all) w.resolve();
  }
}

function isIpLiteral(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return parseIpv4(h) !== null || parseIpv6(h) !== null;
}
