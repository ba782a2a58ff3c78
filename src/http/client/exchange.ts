/**
 * `Exchange`: one request and its response, from the moment it is asked for until its
 * response body ends or it fails. It waits for a connection from its origin's pool, writes the
 * head (and the body: at once when it is bytes, pulled chunk by chunk with backpressure when it
 * is a stream), builds the {@link ClientResponse} when the head arrives, feeds the body queue,
 * and hands the connection back when both directions are done.
 *
 * ## Exactly one outcome
 * `promise` resolves with the response once the head arrived, or rejects; after it resolved, a
 * failure breaks the body instead (the reader's next read rejects). Every failure — abort,
 * timeout, reset, malformed bytes — releases everything in the same call: timers cancelled,
 * the abort listener removed, the connection aborted (its descriptor closed) and forgotten by
 * the pool, or the connect attempt cancelled, or the place in the pool's queue given up.
 *
 * ## Retry
 * A request that goes out on a reused keep-alive connection just as the server closes it sees
 * the connection break before any byte of the response. Such a request is sent once more, on
 * another connection, when it is idempotent (RFC 9110 §9.2.2) and its body can be sent again
 * (none, or bytes).
 *
 * @module
 */
import { AbortedError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import { BodyQueue } from './body-queue.ts';
import type { ClientConnection, ConnectionUser } from './client-connection.ts';
import { RequestTimeoutError } from './client-errors.ts';
import { ClientResponse } from './client-response.ts';
import type { ClassifiedBody } from './request-head.ts';
import type { ResponseHead } from './response-decoder.ts';

/** Everything an exchange needs to know about its request. */
export interface ExchangeSpec {
  /** The checked method. */
  readonly method: string;
  /** The request's URL (href), for the response and for messages. */
  readonly url: string;
  /** The serialized head. */
  readonly head: string;
  /** The body, sorted into none, bytes or a stream. */
  readonly body: ClassifiedBody;
  /** Send the stream body with chunked coding (false: the caller gave its Content-Length). */
  readonly chunked: boolean;
  /** The caller asked for `Connection: close`. */
  readonly closeAfter: boolean;
  /** Deadline from sending to the response head, or 0 for none. */
  readonly headersTimeoutMs: number;
  /** Whole-exchange deadline, or 0 for none. */
  readonly timeoutMs: number;
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined;
  /** Passed on to the response. */
  readonly redirected: boolean;
  /** Bytes of body that may wait unread before the socket is paused. */
  readonly bodyHighWaterMark: number;
}

/** What an exchange needs from its pool. */
export interface ExchangePool {
  /** Find (or make, or queue for) a connection; `exchange.assign()` follows. */
  acquire(exchange: Exchange): void;
  /**
   * The exchange is done with `connection`; `reusable`: keep it alive; `keepAliveHintMs`: the
   * server's Keep-Alive timeout, or -1.
   */
  release(connection: ClientConnection, reusable: boolean, keepAliveHintMs: number): void;
  /** Forget a queued exchange, or cancel the connect attempt made for it. */
  withdraw(exchange: Exchange): void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** See the module comment. */
export class Exchange implements ConnectionUser {
  /** What to send, and how. */
  readonly spec: ExchangeSpec;
  /** Resolves with the response once its head arrived. */
  readonly promise: Promise<ClientResponse>;
  readonly #loop: EventLoop;
  readonly #pool: ExchangePool;
  #resolve!: (r: ClientResponse) => void;
  #reject!: (e: unknown) => void;
  #conn: ClientConnection | null = null;
  #body: BodyQueue | null = null;
  #requestDone = false;
  #responseDone = false;
  #reusable = false;
  #keepAliveHintMs = -1;
  #settled = false;
  #retried = false;
  #headersTimer: TimerHandle | null = null;
  #requestTimer: TimerHandle | null = null;

  /** Starts at once: asks `pool` for a connection (unless the signal already fired). */
  constructor(loop: EventLoop, pool: ExchangePool, spec: ExchangeSpec) {
    this.#loop = loop;
    this.#pool = pool;
    this.spec = spec;
    this.promise = new Promise<ClientResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const { signal, timeoutMs } = spec;
    if (signal?.aborted) {
      this.#settled = true;
      this.#reject(this.#abortedError());
      return;
    }
    signal?.addEventListener('abort', this.#onAbort);
    if (timeoutMs > 0) this.#requestTimer = loop.callLater(timeoutMs, this.#onRequestTimeout);
    pool.acquire(this);
  }

  /** True once the exchange finished or failed. */
  get isSettled(): boolean {
    return this.#settled;
  }

  /** The pool gives this exchange `conn`: the request goes out now. */
  assign(conn: ClientConnection): void {
    this.#conn = conn;
    const { body, method, head } = this.spec;
    const hasTimer = this.spec.headersTimeoutMs > 0;
    if (hasTimer)
      this.#headersTimer = this.#loop.callLater(this.spec.headersTimeoutMs, this.#onHeadersTimeout);
    if (body.kind === 'stream') {
      conn.start(this, method, head, null);
      if (this.#conn === conn) void this.#pump(conn, body.source);
    } else {
      conn.start(this, method, head, body.kind === 'bytes' ? body.bytes : null);
      if (this.#conn === conn) this.#requestDone = true;
    }
  }

  /** Fails the exchange with `error` (see the module comment). No-op once settled. */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settle();
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) conn.abort();
    else this.#pool.withdraw(this);
    if (this.#body === null) this.#reject(error);
    else this.#body.fail(error);
  }

  // ── ConnectionUser ────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  onHead(head: ResponseHead): void {
    this.#headersTimer?.cancel();
    this.#headersTimer = null;
    const conn = this.#conn as ClientConnection;
    this.#keepAliveHintMs = head.keepAliveHintMs;
    this.#body = new BodyQueue(conn, this.spec.bodyHighWaterMark);
    this.#resolve(new ClientResponse(head, this.#body, this.spec.url, this.spec.redirected));
  }

  /** @inheritDoc */
  onBody(chunk: Buffer): void {
    this.#body?.push(chunk);
  }

  /** @inheritDoc */
  onTrailers(rawTrailers: string[]): void {
    if (this.#body !== null) this.#body.trailers = rawTrailers;
  }

  /** @inheritDoc */
  onEnd(reusable: boolean): void {
    this.#body?.end();
    this.#responseDone = true;
    this.#reusable = reusable && !this.spec.closeAfter;
    this.#maybeFinish();
  }

  /** @inheritDoc */
  connectionBroken(error: Error, retryable: boolean): void {
    if (this.#settled) return;
    this.#conn = null;
    const { method, body } = this.spec;
    if (
      retryable &&
      !this.#retried &&
      this.#body === null &&
      IDEMPOTENT.has(method) &&
      body.kind !== 'stream'
    ) {
      this.#retried = true;
      this.#headersTimer?.cancel();
      this.#headersTimer = null;
      this.#requestDone = false;
      this.#pool.acquire(this);
      return;
    }
    this.fail(error);
  }

  /** @inheritDoc */
  bodyCancelled(): void {
    if (this.#settled) return;
    this.#settle();
    const conn = this.#conn;
    this.#conn = null;
    conn?.abort(); // the rest of the body is still on its way: this connection cannot be reused
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  /** Writes a stream body chunk by chunk, waiting for the socket whenever its buffer is full. */
  async #pump(
    conn: ClientConnection,
    source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  ): Promise<void> {
    const chunked = this.spec.chunked;
    try {
      for await (const piece of source as AsyncIterable<Uint8Array | string>) {
        if (this.#conn !== conn) return; // failed, or the response already ended
        const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
        if (!(bytes instanceof Uint8Array))
          throw new TypeError('A request body stream yielded something other than bytes or a string.');
        if (bytes.length === 0) continue;
        conn.write(chunked ? [`${bytes.length.toString(16)}\r\n`, bytes, '\r\n'] : [bytes]);
        if (conn.isWritePaused) await conn.drain();
      }
      if (this.#conn !== conn) return;
      if (chunked) conn.write(['0\r\n\r\n']);
      this.#requestDone = true;
      this.#maybeFinish();
    } catch (err) {
      this.fail(err);
    }
  }

  #maybeFinish(): void {
    if (!this.#responseDone || this.#settled) return;
    const conn = this.#conn;
    if (!this.#requestDone) {
      // The server answered before the upload ended: stop sending; the connection cannot be reused.
      this.#settle();
      this.#conn = null;
      conn?.abort();
      return;
    }
    this.#settle();
    this.#conn = null;
    if (conn !== null) {
      conn.detach();
      this.#pool.release(conn, this.#reusable, this.#keepAliveHintMs);
    }
  }

  /** Marks the exchange settled and drops its timers and abort listener. */
  #settle(): void {
    this.#settled = true;
    this.#headersTimer?.cancel();
    this.#headersTimer = null;
    this.#requestTimer?.cancel();
    this.#requestTimer = null;
    this.spec.signal?.removeEventListener('abort', this.#onAbort);
  }

  #abortedError(): AbortedError {
    return new AbortedError(`The request to ${this.spec.url} was aborted.`, {
      cause: this.spec.signal?.reason,
    });
  }

  #onAbort = (): void => {
    this.fail(this.#abortedError());
  };

  #onHeadersTimeout = (): void => {
    this.#headersTimer = null;
    this.fail(new RequestTimeoutError('headers', this.spec.headersTimeoutMs, this.spec.url));
  };

  #onRequestTimeout = (): void => {
    this.#requestTimer = null;
    this.fail(new RequestTimeoutError('request', this.spec.timeoutMs, this.spec.url));
  };
}
