/**
 * `ClientConnection`: one keep-alive HTTP/1.1 connection of the client, as an nbio
 * {@link Protocol} on a {@link Transport}. It carries one exchange at a time (no pipelining):
 * it writes the request, feeds what the socket reads to its {@link ResponseDecoder}, and passes
 * the decoder's events to the current {@link ConnectionUser} (the exchange). Between exchanges
 * it sits idle in its origin's pool.
 *
 * Its end is always one of two: `abort()` (the client gave up on it: the descriptor is closed at
 * once and the pool forgets it in the same call), or the connection broke (reset, EOF, malformed
 * bytes: the current exchange hears `connectionBroken`, then the pool forgets it). Either way
 * the descriptor is closed exactly once, by the transport.
 *
 * @module
 */
import type { Protocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';
import type { BodyFlow } from './body-queue.ts';
import { ConnectionResetError } from './client-errors.ts';
import {
  ResponseDecoder,
  type ResponseDecoderLimits,
  type ResponseEvents,
  type ResponseHead,
} from './response-decoder.ts';

/** The exchange currently using a connection: the decoder's events, plus the news that it broke. */
export interface ConnectionUser extends ResponseEvents {
  /**
   * The connection broke while this user had it. `retryable`: the connection had carried an
   * earlier request and no byte of this response arrived (a keep-alive connection the server
   * closed just as the request went out), so sending again on a new connection is safe for
   * idempotent requests.
   */
  connectionBroken(error: Error, retryable: boolean): void;
  /** The reader of the body gave up on it before its end. */
  bodyCancelled(reason: unknown): void;
}

/** Where a connection reports that it is gone (its origin's pool). */
export interface ConnectionOwner {
  /** `connection` is closed; forget it (called once). */
  forget(connection: ClientConnection): void;
}

/** See the module comment. */
export class ClientConnection implements Protocol, ResponseEvents, BodyFlow {
  readonly #owner: ConnectionOwner;
  readonly #decoder: ResponseDecoder;
  #transport: Transport | null = null;
  #user: ConnectionUser | null = null;
  #closed = false;
  #writePaused = false;
  #drainWaiters: (() => void)[] = [];
  #requests = 0;

  /** @param owner told when the connection is gone; @param limits the decoder's limits */
  constructor(owner: ConnectionOwner, limits: ResponseDecoderLimits = {}) {
    this.#owner = owner;
    this.#decoder = new ResponseDecoder(this, limits);
  }

  /** Requests started on this connection so far. */
  get requestCount(): number {
    return this.#requests;
  }

  /** True once aborted or broken. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** True when a new exchange may start here (open, and the transport not closing). */
  get isUsable(): boolean {
    return !this.#closed && this.#transport !== null && !this.#transport.isClosing;
  }

  /** True while the transport's write buffer is above its high water mark. */
  get isWritePaused(): boolean {
    return this.#writePaused;
  }

  /** The socket's descriptor (-1 when closed), for stats and tests. */
  get fd(): number {
    return this.#transport?.getExtraInfo('fd') ?? -1;
  }

  /**
   * Starts an exchange: `user` receives the response to `head` (+ `body`), written now.
   * @param method the request's method (a HEAD response has no body)
   */
  start(user: ConnectionUser, method: string, head: string, body: Buffer | null): void {
    this.#user = user;
    this.#requests++;
    this.#decoder.expect(method);
    const t = this.#transport as Transport;
    try {
      // The head is latin1 (request-head.ts checked every value); a string write would be UTF-8.
      if (body === null || body.length === 0) t.write(Buffer.from(head, 'latin1'));
      else if (body.length <= 1024) t.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
      else if (t.writeLines !== undefined) t.writeLines([Buffer.from(head, 'latin1'), body]);
      else {
        t.write(Buffer.from(head, 'latin1'));
        t.write(body);
      }
    } catch (err) {
      this.#broke(err as Error); // the peer went away since the last exchange
    }
  }

  /** Writes more of the request body (already framed). No-op once closed. */
  write(chunks: readonly (Uint8Array | string)[]): void {
    const t = this.#transport;
    if (this.#closed || t === null) return;
    try {
      if (t.writeLines !== undefined) t.writeLines(chunks);
      else for (const c of chunks) t.write(c);
    } catch (err) {
      this.#broke(err as Error);
    }
  }

  /** Resolves when the write buffer is below its low water mark again, or the connection closed. */
  drain(): Promise<void> {
    if (!this.#writePaused || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Ends the current exchange without closing (the connection goes back to the pool). */
  detach(): void {
    this.#user = null;
  }

  /** Closes at once (the descriptor is closed before this returns) and leaves the pool. Idempotent. */
  abort(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#user = null;
    this.#transport?.abort();
    this.#wakeDrainWaiters();
    this.#owner.forget(this);
  }

  /** Closes at once and fails the current exchange (if any) with `error`, never retried. */
  abortWith(error: Error): void {
    if (this.#closed) return;
    const user = this.#user;
    this.abort();
    user?.connectionBroken(error, false);
  }

  // ── Protocol ──────────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  connectionMade(transport: Transport): void {
    this.#transport = transport;
  }

  /** @inheritDoc */
  dataReceived(data: Buffer): void {
    try {
      this.#decoder.feed(data);
    } catch (err) {
      this.#broke(err as Error);
    }
  }

  /** @inheritDoc */
  eofReceived(): boolean {
    let clean = false;
    try {
      clean = this.#decoder.eof();
    } catch (err) {
      this.#broke(err as Error);
      return false;
    }
    if (!clean) {
      this.#broke(
        new ConnectionResetError('The server closed the connection before the response was complete.'),
      );
    } else if (this.#user === null) {
      this.abort(); // an idle keep-alive connection the server closed
    }
    return false;
  }

  /** @inheritDoc */
  connectionLost(error?: Error): void {
    if (this.#closed) return;
    this.#broke(
      error === undefined
        ? new ConnectionResetError('The server closed the connection before the response was complete.')
        : new ConnectionResetError(
            `The connection broke before the response was complete: ${error.message}`,
            {
              cause: error,
            },
          ),
    );
  }

  /** @inheritDoc */
  pauseWriting(): void {
    this.#writePaused = true;
  }

  /** @inheritDoc */
  resumeWriting(): void {
    this.#writePaused = false;
    this.#wakeDrainWaiters();
  }

  // ── decoder events, passed to the exchange ─────────────────────────────────────────────

  /** @inheritDoc */
  onHead(head: ResponseHead): void {
    this.#user?.onHead(head);
  }

  /** @inheritDoc */
  onBody(chunk: Buffer): void {
    this.#user?.onBody(chunk);
  }

  /** @inheritDoc */
  onTrailers(rawTrailers: string[]): void {
    this.#user?.onTrailers?.(rawTrailers);
  }

  /** @inheritDoc */
  onEnd(reusable: boolean): void {
    this.#user?.onEnd(reusable);
  }

  // ── BodyFlow: the reader's backpressure reaches the socket ────────────────────────────

  /** @inheritDoc */
  onPause(): void {
    this.#transport?.pauseReading();
  }

  /** @inheritDoc */
  onResume(): void {
    this.#transport?.resumeReading();
  }

  /** @inheritDoc */
  onCancel(reason: unknown): void {
    this.#user?.bodyCancelled(reason);
  }

  /** The connection broke: close it, tell the exchange (if any), leave the pool. */
  #broke(error: Error): void {
    if (this.#closed) return;
    const user = this.#user;
    const retryable = this.#requests > 1 && !this.#decoder.hasStarted;
    this.abort();
    user?.connectionBroken(error, retryable);
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }
}
