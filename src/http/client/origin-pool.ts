/**
 * `OriginPool`: the keep-alive connections of one origin (`host:port`) and the exchanges
 * waiting for one. Three limits:
 * - `maxSockets`: connections open or opening at once; further exchanges wait, first come
 *   first served;
 * - `maxIdle`: connections kept open between exchanges; one more is closed when released;
 * - `idleTimeoutMs`: an idle connection is closed after this long (servers close theirs too:
 *   Node's `http` after 5 s, nginx after 75 s; the client's default, 4 s, stays below both,
 *   as undici's does). A server that announces `Keep-Alive: timeout=<s>` shortens it to one
 *   second less than that.
 *
 * The most recently used idle connection is reused first (its TCP state is warmest, and the
 * others age out). Connections are made with nbio's `createConnection`, which resolves names
 * with nbio's resolver in the offload pool.
 *
 * @module
 */
import { ClosedResourceError, TimeoutError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import { type ConnectRequest, createConnection } from '../../net/connect.ts';
import { ClientConnection, type ConnectionOwner } from './client-connection.ts';
import { RequestTimeoutError } from './client-errors.ts';
import type { Exchange, ExchangePool } from './exchange.ts';
import type { ResponseDecoderLimits } from './response-decoder.ts';

/** Limits of one origin's pool. */
export interface OriginPoolOptions {
  readonly maxSockets: number;
  readonly maxIdle: number;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly decoderLimits: ResponseDecoderLimits;
}

/** Counters of one origin's pool, as a frozen plain object. */
export interface OriginPoolStats {
  /** Connections carrying an exchange. */
  readonly active: number;
  /** Connections open between exchanges. */
  readonly idle: number;
  /** Connect attempts in flight. */
  readonly connecting: number;
  /** Exchanges waiting for a connection. */
  readonly waiting: number;
  /** Connections made so far. */
  readonly connected: number;
  /** Exchanges that reused an idle connection. */
  readonly reused: number;
}

/** See the module comment. */
export class OriginPool implements ExchangePool, ConnectionOwner {
  readonly #loop: EventLoop;
  readonly #host: string;
  readonly #port: number;
  readonly #options: OriginPoolOptions;
  readonly #idle: ClientConnection[] = [];
  readonly #idleTimers = new Map<ClientConnection, TimerHandle>();
  readonly #active = new Set<ClientConnection>();
  readonly #connects = new Map<Exchange, ConnectRequest>();
  #waiting: Exchange[] = [];
  #connected = 0;
  #reused = 0;
  #closed = false;

  /** @param host a name or IP literal (brackets removed); @param port the TCP port */
  constructor(loop: EventLoop, host: string, port: number, options: OriginPoolOptions) {
    this.#loop = loop;
    this.#host = host;
    this.#port = port;
    this.#options = options;
  }

  /** Connections open or opening, plus exchanges waiting: 0 means the pool holds nothing. */
  get size(): number {
    return this.#idle.length + this.#active.size + this.#connects.size + this.#waiting.length;
  }

  /** @inheritDoc */
  acquire(exchange: Exchange): void {
    if (this.#closed) {
      exchange.fail(new ClosedResourceError('The HTTP client was closed: make a new one to send requests.'));
      return;
    }
    while (this.#idle.length > 0) {
      const conn = this.#idle.pop() as ClientConnection;
      this.#idleTimers.get(conn)?.cancel();
      this.#idleTimers.delete(conn);
      if (!conn.isUsable) {
        conn.abort();
        continue;
      }
      this.#reused++;
      this.#active.add(conn);
      exchange.assign(conn);
      return;
    }
    if (this.#open() < this.#options.maxSockets) this.#connect(exchange);
    else this.#waiting.push(exchange);
  }

  /** @inheritDoc */
  release(conn: ClientConnection, reusable: boolean, keepAliveHintMs: number): void {
    this.#active.delete(conn);
    if (!reusable || this.#closed || !conn.isUsable) {
      conn.abort(); // forget() runs the queue
      return;
    }
    const next = this.#waiting.shift();
    if (next !== undefined) {
      this.#reused++;
      this.#active.add(conn);
      next.assign(conn);
      return;
    }
    // Close a second before the server says it will (undici's rule), so a request never goes
    // out on a connection the server is closing; a hint of 1 s or less: do not keep it at all.
    const idleMs =
      keepAliveHintMs < 0
        ? this.#options.idleTimeoutMs
        : Math.min(this.#options.idleTimeoutMs, keepAliveHintMs - 1000);
    if (this.#idle.length >= this.#options.maxIdle || idleMs <= 0) {
      conn.abort();
      return;
    }
    this.#idle.push(conn);
    this.#idleTimers.set(
      conn,
      this.#loop.callLater(idleMs, () => {
        this.#idleTimers.delete(conn);
        conn.abort();
      }),
    );
  }

  /** @inheritDoc */
  withdraw(exchange: Exchange): void {
    const connect = this.#connects.get(exchange);
    if (connect !== undefined) {
      this.#connects.delete(exchange);
      connect.cancel(); // closes the socket now; its callback finds the entry gone
      this.#runQueue();
      return;
    }
    const i = this.#waiting.indexOf(exchange);
    if (i >= 0) this.#waiting.splice(i, 1);
  }

  /** @inheritDoc */
  forget(conn: ClientConnection): void {
    this.#active.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
    this.#idleTimers.get(conn)?.cancel();
    this.#idleTimers.delete(conn);
    this.#runQueue();
  }

  /** Fails waiting exchanges with `error`, aborts every connection. Idempotent. */
  close(error: Error): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const ex of waiting) ex.fail(error);
    for (const ex of [...this.#connects.keys()]) ex.fail(error);
    for (const conn of [...this.#active, ...this.#idle]) conn.abortWith(error);
  }

  /** Counters. */
  stats(): OriginPoolStats {
    return Object.freeze({
      active: this.#active.size,
      idle: this.#idle.length,
      connecting: this.#connects.size,
      waiting: this.#waiting.length,
      connected: this.#connected,
      reused: this.#reused,
    });
  }

  /** Connections open or opening. */
  #open(): number {
    return this.#idle.length + this.#active.size + this.#connects.size;
  }

  /** Starts connections for waiting exchanges while the limit allows. */
  #runQueue(): void {
    while (!this.#closed && this.#waiting.length > 0 && this.#open() < this.#options.maxSockets) {
      this.#connect(this.#waiting.shift() as Exchange);
    }
  }

  #connect(exchange: Exchange): void {
    const { connectTimeoutMs, decoderLimits } = this.#options;
    let made: ClientConnection | null = null;
    const request = createConnection(
      this.#loop,
      () => {
        made = new ClientConnection(this, decoderLimits);
        return made;
      },
      connectTimeoutMs > 0
        ? { host: this.#host, port: this.#port, timeoutMs: connectTimeoutMs }
        : { host: this.#host, port: this.#port },
      (err) => {
        if (this.#connects.get(exchange) !== request) {
          // Withdrawn meanwhile (cancel() closed the socket) — or, in a narrow race, connected
          // just before: then nobody wants this connection.
          (made as ClientConnection | null)?.abort();
          return;
        }
        this.#connects.delete(exchange);
        if (err !== null) {
          exchange.fail(
            err instanceof TimeoutError
              ? new RequestTimeoutError('connect', connectTimeoutMs, exchange.spec.url)
              : err,
          );
          this.#runQueue();
          return;
        }
        const conn = made as unknown as ClientConnection;
        this.#connected++;
        this.#active.add(conn);
        exchange.assign(conn);
      },
    );
    this.#connects.set(exchange, request);
  }
}
