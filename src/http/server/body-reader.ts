/**
 * `BodyReader`: the body of a request as it arrives, read with `read()` or `for await`. Chunks
 * wait in a queue; above {@link BODY_HIGH_WATER_BYTES} the connection stops reading the socket
 * (the client sees TCP backpressure) until the handler has read the queue down.
 *
 * @module
 */
import { ClosedResourceError } from '../../errors.ts';
import type { HeaderList } from '../parser/header-list.ts';

/** Queued body bytes above which the connection stops reading the socket. */
export const BODY_HIGH_WATER_BYTES = 64 * 1024;

/** What a BodyReader tells its connection. */
export interface BodySource {
  /** The queue was read below the high-water mark: read the socket again. */
  resumeBody(): void;
  /** The reader was asked for bytes for the first time (the moment for `100 Continue`). */
  bodyWanted(): void;
}

/** The body of one request; see the module comment. */
export class BodyReader implements AsyncIterable<Buffer> {
  readonly #source: BodySource;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #ended = false;
  #error: Error | null = null;
  #waiter: { resolve: (b: Buffer | null) => void; reject: (e: Error) => void } | null = null;
  /** A `readAll()` waiting for the end: chunks are collected, and joined once at the end. */
  #allWaiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  #wanted = false;
  #discarding = false;
  #trailers: HeaderList | null = null;

  /** @internal made by the connection */
  constructor(source: BodySource, empty: boolean) {
    this.#source = source;
    this.#ended = empty;
  }

  /** True once every byte arrived (not necessarily read). */
  get isComplete(): boolean {
    return this.#ended;
  }

  /**
   * The trailer fields of a chunked body (RFC 9112 §7.1.2), once the body is complete: read it to
   * its end first. Null before that, and when the body had none.
   */
  get trailers(): HeaderList | null {
    return this.#trailers;
  }

  /** Bytes received but not read yet. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The next chunk, or null at the end of the body. Rejects if the request broke off. */
  read(): Promise<Buffer | null> {
    if (!this.#wanted) {
      this.#wanted = true;
      this.#source.bodyWanted();
    }
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.length;
      if (this.#queuedBytes < BODY_HIGH_WATER_BYTES) this.#source.resumeBody();
      return Promise.resolve(chunk);
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    if (this.#waiter !== null)
      return Promise.reject(
        new ClosedResourceError('BodyReader.read() while another read() waits: read one at a time.'),
      );
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * Reads the whole body into one Buffer: the chunks are collected as they arrive (no promise
   * per chunk) and joined once at the end — not copied when there is one.
   */
  readAll(): Promise<Buffer> {
    if (this.#waiter !== null || this.#allWaiter !== null)
      return Promise.reject(
        new ClosedResourceError('BodyReader.readAll() while another read waits: read one at a time.'),
      );
    if (!this.#wanted) {
      this.#wanted = true;
      this.#source.bodyWanted();
    }
    if (this.#error !== null) return Promise.reject(this.#error); // broke off: no whole body
    if (this.#ended) return Promise.resolve(this.#takeAll());
    // Collecting to the end: the queue's high-water mark no longer applies (maxBodyBytes does).
    this.#source.resumeBody();
    return new Promise((resolve, reject) => {
      this.#allWaiter = { resolve, reject };
    });
  }

  /**
   * The queue joined into one Buffer (the one chunk itself when there is one), emptied. A join
   * goes into an `ArrayBuffer` of its own (`allocUnsafeSlow`, never Node's shared pool, which
   * takes sizes under 32 KiB on Node 24), so `arrayBuffer()` hands it out without a copy.
   */
  #takeAll(): Buffer {
    const q = this.#queue;
    let all: Buffer;
    if (q.length === 1) all = q[0] as Buffer;
    else {
      all = Buffer.allocUnsafeSlow(this.#queuedBytes);
      let at = 0;
      for (const c of q) at += c.copy(all, at);
    }
    this.#queue = [];
    this.#queuedBytes = 0;
    return all;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (let c = await this.read(); c !== null; c = await this.read()) yield c;
  }

  /** @internal bytes arrived; returns true when the queue is above the high-water mark */
  push(chunk: Buffer): boolean {
    if (this.#discarding) return false;
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.resolve(chunk);
      return false;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    return this.#allWaiter === null && this.#queuedBytes >= BODY_HIGH_WATER_BYTES;
  }

  /** @internal the trailer section arrived (just before `end()`) */
  setTrailers(trailers: HeaderList): void {
    this.#trailers = trailers;
  }

  /** @internal the body is complete */
  end(): void {
    this.#ended = true;
    const all = this.#allWaiter;
    if (all !== null) {
      this.#allWaiter = null;
      all.resolve(this.#takeAll());
      return;
    }
    const w = this.#waiter;
    this.#waiter = null;
    w?.resolve(null);
  }

  /** @internal the body broke off (parse error, connection lost, timeout) */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    const all = this.#allWaiter;
    this.#allWaiter = null;
    all?.reject(error);
    const w = this.#waiter;
    this.#waiter = null;
    w?.reject(error);
  }

  /** @internal the response is done: drop what is queued and whatever still comes */
  discard(): void {
    this.#discarding = true;
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}
