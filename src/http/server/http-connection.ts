/**
 * `HttpConnection`: the Protocol of one server connection. It feeds the parser, hands each
 * request to the server as an {@link Exchange}, and answers pipelined requests strictly in
 * order: after a request is complete the parser pauses until its response has ended.
 *
 * ## Timers (one per connection, rescheduled as the phase changes)
 * - `idle` (between requests): `keepAliveTimeoutMs`, then the connection closes quietly;
 * - `head` (from the first byte of a request until its head is complete): `headersTimeoutMs`,
 *   then `408` and close — a client dripping a byte a second is cut off (slowloris);
 * - `body` (until the request is complete): `requestTimeoutMs` from the first byte, then `408`
 *   (or an abort, if the response already started);
 * - `handling`: no timer; the handler takes the time it needs.
 *
 * ## Backpressure
 * Request bodies: above {@link BODY_HIGH_WATER_BYTES} queued, the socket is not read until the
 * handler reads. Responses: `ResponseWriter.write()` returns false while the transport's
 * buffer is above its high-water mark. Pipelined input waiting for its turn: above
 * {@link PIPELINE_LIMIT_BYTES} the socket is not read.
 *
 * ## Pipelined responses leave together
 * While the parser runs (over the bytes of one read, or when it resumes after a response), the
 * responses written meanwhile — those of handlers that answer synchronously — are held and sent
 * in one write when it returns ({@link HeldWrites}: at once above 64 KiB; always before a
 * close or an error response). When a response ends later (after an `await`) and more
 * pipelined requests wait, the next one is parsed in a microtask of the same turn and the
 * responses are held until the pipeline is worked through (at the latest until the loop's next
 * iteration). A lone request's response is sent at once.
 *
 * @module
 */
import { BrokenResourceError, TimeoutError } from '../../errors.ts';
import type { Protocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';
import type { HeaderList } from '../parser/header-list.ts';
import type { HttpParseError } from '../parser/http-parse-error.ts';
import { HttpParser, type HttpParserHandler } from '../parser/http-parser.ts';
import type { MessageHead } from '../parser/message-head.ts';
import { BodyReader, type BodySource } from './body-reader.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import type { ConnectionConfig, Exchange } from './exchange.ts';
import { HeldWrites } from './held-writes.ts';
import { httpDate, loopHttpDate } from './http-date.ts';
import { parseLentRead } from './lent-read.ts';
import { type ResponseSink, ResponseWriter } from './response-writer.ts';
import { statusText } from './status-text.ts';

export type { ConnectionConfig, Exchange } from './exchange.ts';

/** Pipelined bytes kept unparsed (waiting for earlier responses) before the socket is paused. */
export const PIPELINE_LIMIT_BYTES = 64 * 1024;

type Phase = 'idle' | 'head' | 'body' | 'handling';

/** One server connection; see the module comment. */
export class HttpConnection implements Protocol, HttpParserHandler, ResponseSink, BodySource {
  readonly #config: ConnectionConfig;
  readonly #parser: HttpParser;
  #transport: Transport | null = null;
  /** The current phase's timeout (see the module comment). */
  readonly #timer: DeadlineTimer;
  #phase: Phase = 'idle';
  #requestStartMs = 0;
  #exchange: Exchange | null = null;
  #requestComplete = false;
  #responseEnded = false;
  #closeAfter = false;
  #bodyPaused = false;
  #pipelinePaused = false;
  #writePaused = false;
  #drainWaiters: (() => void)[] = [];
  #abort: AbortController | null = null;
  #lost = false;
  #peerEof = false;
  #requests = 0;
  /** Responses written while the parser runs are held, then sent together. */
  readonly #out = new HeldWrites();
  #releaseScheduled = false;

  /** @internal made by the server for each accepted socket */
  constructor(config: ConnectionConfig) {
    this.#config = config;
    this.#parser = new HttpParser('request', this, config.limits);
    this.#timer = new DeadlineTimer(config.loop, this.#onTimeout);
  }

  /** The transport (for the peer's address: `getExtraInfo('peername')`). */
  get transport(): Transport {
    if (this.#transport === null) throw new BrokenResourceError('The connection is not established yet.');
    return this.#transport;
  }

  /** Requests started on this connection. */
  get requestCount(): number {
    return this.#requests;
  }

  /** Aborted when the connection is lost (made on first use). */
  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    if (this.#lost) this.#abort.abort(new BrokenResourceError('The client connection is gone.'));
    return this.#abort.signal;
  }

  // ── Protocol ────────────────────────────────────────────────────────────────────────────

  connectionMade(transport: Transport): void {
    this.#transport = transport;
    this.#out.transport = transport;
    this.#setTimer(this.#config.headersTimeoutMs);
  }

  /** Reads may be lent ({@link Protocol.copiesData}): {@link dataReceived} copies what it keeps. */
  readonly copiesData = true;

  dataReceived(lent: Buffer): void {
    if (this.#phase === 'idle') this.#enterHead();
    this.#out.cork();
    try {
      parseLentRead(this.#parser, lent); // copies what is kept: see lent-read.ts
    } finally {
      this.#out.uncork();
    }
    if (this.#parser.pendingBytes > PIPELINE_LIMIT_BYTES && !this.#pipelinePaused) {
      this.#pipelinePaused = true;
      this.#transport?.pauseReading();
    }
  }

  eofReceived(): boolean {
    this.#parser.finish();
    this.#peerEof = true;
    // Keep the write side open while responses are owed (a client that half-closes after its
    // requests still wants every answer, pipelined ones included); close after the last.
    return (this.#exchange !== null && !this.#responseEnded) || this.#parser.pendingBytes > 0;
  }

  connectionLost(error?: Error): void {
    this.#lost = true;
    this.#timer.cancel();
    const ex = this.#exchange;
    if (ex !== null) {
      ex.body.fail(
        new BrokenResourceError('The client closed the connection before the request was complete.', {
          cause: error,
        }),
      );
      ex.response.abandon();
    }
    this.#abort?.abort(new BrokenResourceError('The client connection is gone.', { cause: error }));
    for (const w of this.#drainWaiters.splice(0)) w();
    this.#config.forget(this);
  }

  pauseWriting(): void {
    this.#writePaused = true;
  }

  resumeWriting(): void {
    this.#writePaused = false;
    for (const w of this.#drainWaiters.splice(0)) w();
  }

  // ── parser events ───────────────────────────────────────────────────────────────────────

  onHead(head: MessageHead): void {
    this.#requests++;
    this.#phase = head.framing === 'none' ? 'handling' : 'body';
    if (this.#phase === 'body') {
      const leftMs = this.#config.requestTimeoutMs - (this.#config.loop.time() - this.#requestStartMs);
      this.#setTimer(Math.max(0, leftMs));
    } else this.#timer.clear();
    this.#requestComplete = false;
    this.#responseEnded = false;
    const body = new BodyReader(this, head.framing === 'none');
    const ex: Exchange = { head, body, response: new ResponseWriter(this, head), connection: this };
    this.#exchange = ex;
    this.#config.dispatch(ex);
  }

  onBody(chunk: Buffer): void {
    const ex = this.#exchange;
    if (ex?.body.push(chunk) && !this.#bodyPaused) {
      this.#bodyPaused = true;
      this.#transport?.pauseReading();
    }
  }

  onTrailers(trailers: HeaderList): void {
    this.#exchange?.body.setTrailers(trailers);
  }

  onMessageComplete(): void {
    const ex = this.#exchange;
    ex?.body.end();
    this.#requestComplete = true;
    if (this.#phase === 'body') this.#timer.clear();
    this.#phase = 'handling';
    if (this.#responseEnded) this.#next();
    else this.#parser.pause();
  }

  onError(error: HttpParseError): void {
    const ex = this.#exchange;
    if (ex !== null && !this.#requestComplete) {
      ex.body.fail(error);
      if (ex.response.headersSent) {
        this.#transport?.abort();
        return;
      }
      ex.response.abandon();
    }
    this.#reject(error.status, error.reason);
  }

  // ── ResponseSink / BodySource ──────────────────────────────────────────────────────────

  get date(): string {
    return loopHttpDate(this.#config.loop);
  }

  get writePaused(): boolean {
    return this.#writePaused;
  }

  send(data: Uint8Array | string): void {
    this.#out.send(data);
  }

  sendLines(chunks: readonly (Uint8Array | string)[]): void {
    this.#out.sendLines(chunks);
  }

  drain(): Promise<void> {
    if (!this.#writePaused || this.#lost) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  canKeepAlive(): boolean {
    if (this.#closeAfter || this.#config.isClosing()) return false;
    if (this.#peerEof && this.#parser.pendingBytes === 0) return false;
    // A client still waiting for `100 Continue` may never send its body: close after this.
    return this.#requestComplete || this.#exchange?.response.continueWithheld !== true;
  }

  responseEnded(keepAlive: boolean): void {
    this.#responseEnded = true;
    if (!keepAlive) this.#closeAfter = true;
    if (this.#requestComplete) this.#next();
    else if (this.#closeAfter) this.#close();
    else {
      // The handler answered before reading the whole body: read the rest and drop it.
      this.#exchange?.body.discard();
      this.resumeBody();
    }
  }

  resumeBody(): void {
    if (!this.#bodyPaused) return;
    this.#bodyPaused = false;
    if (!this.#pipelinePaused) this.#transport?.resumeReading();
  }

  bodyWanted(): void {
    this.#exchange?.response.sendContinue();
  }

  /** Closes now if no request is in progress (graceful shutdown); else after the response. */
  closeIfIdle(): void {
    this.#closeAfter = true;
    if (this.#exchange === null && this.#phase !== 'head') this.#close();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  #next(): void {
    this.#exchange = null;
    const drained = this.#peerEof && this.#parser.pendingBytes === 0;
    if (this.#closeAfter || drained || this.#parser.isDone || this.#config.isClosing()) {
      this.#close();
      return;
    }
    this.#phase = 'idle';
    this.#setTimer(this.#config.keepAliveTimeoutMs);
    if (!this.#parser.isPaused) {
      if (this.#parser.pendingBytes === 0) this.#out.release();
      return;
    }
    if (this.#parser.pendingBytes === 0) {
      // Nothing kept: resuming fires no parser event, so it is safe here (no callSoon per request).
      this.#out.release();
      this.#resume();
      return;
    }
    // Pipelined requests wait: parse the next one in this turn, in a microtask (not inside the
    // end() that got here), holding the responses so that they leave together — when the
    // pipeline is worked through, or at the latest on the loop's next iteration.
    this.#out.hold();
    if (!this.#releaseScheduled) {
      this.#releaseScheduled = true;
      this.#config.loop.callSoon(this.#releaseHeld);
    }
    queueMicrotask(this.#resumeInTurn);
  }

  #releaseHeld = (): void => {
    this.#releaseScheduled = false;
    this.#out.release();
  };

  #resumeInTurn = (): void => {
    try {
      this.#resume();
    } catch (err) {
      // Outside the loop's callbacks: report here, as the loop would have.
      this.#config.loop.reportException(err, 'HTTP connection (pipelined request)');
      this.#transport?.abort();
    }
  };

  #resume = (): void => {
    if (this.#lost) return;
    if (this.#parser.pendingBytes > 0 && this.#phase === 'idle') this.#enterHead();
    this.#out.cork();
    try {
      this.#parser.resume();
    } finally {
      this.#out.uncork();
    }
    if (this.#exchange === null && !this.#parser.isIdle && this.#phase === 'idle') this.#enterHead();
    if (this.#pipelinePaused && !this.#parser.isPaused) {
      this.#pipelinePaused = false;
      if (!this.#bodyPaused) this.#transport?.resumeReading();
    }
  };

  /** Closes after sending what is held. */
  #close(): void {
    this.#out.flush();
    this.#transport?.close();
  }

  #enterHead(): void {
    this.#phase = 'head';
    this.#requestStartMs = this.#config.loop.time();
    this.#setTimer(this.#config.headersTimeoutMs);
  }

  /** Sets the phase's timeout, `ms` from now (lazily: see deadline-timer.ts). */
  #setTimer(ms: number): void {
    if (!this.#lost) this.#timer.set(ms);
  }

  /** The phase's deadline passed. */
  #onTimeout = (): void => {
    const phase = this.#phase;
    if (phase === 'idle') this.#close();
    else if (phase === 'head') this.#reject(408, 'the request head did not arrive in time');
    else if (phase === 'body') {
      const ex = this.#exchange;
      ex?.body.fail(
        new TimeoutError(`The request body did not arrive within ${this.#config.requestTimeoutMs} ms.`),
      );
      if (ex?.response.headersSent) this.#transport?.abort();
      else {
        ex?.response.abandon();
        this.#reject(408, 'the request did not arrive in time');
      }
    }
  };

  /** Answers with an error status and closes; nothing behind it is read. */
  #reject(status: number, why: string): void {
    this.#timer.stop();
    this.#closeAfter = true;
    this.#exchange = null;
    this.#out.flush(); // responses to earlier pipelined requests go first
    const t = this.#transport;
    if (t === null || t.isClosing) return;
    const body = `${status} ${statusText(status)}: ${why}\n`;
    t.write(
      `HTTP/1.1 ${status} ${statusText(status)}\r\nDate: ${httpDate()}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    t.close();
  }
}
