/**
 * `BodyQueue`: the chunks of a response body between the socket and the reader, with
 * backpressure. The connection pushes what it decodes; once more than `highWaterMark` bytes
 * wait, the queue asks it to stop reading the socket (`onPause`), so a slow reader makes a
 * fast server wait in TCP's own flow control instead of filling memory; once the reader has
 * taken the queue below a quarter of the mark, `onResume` starts reading again.
 *
 * One reader at a time; `next()` resolves with a chunk, or `null` at the end, or rejects with
 * the error that broke the body.
 *
 * @module
 */
import { BusyResourceError } from '../../errors.ts';

/** The flow-control side of a {@link BodyQueue}: called by the queue, implemented by the connection. */
export interface BodyFlow {
  /** Too many bytes wait: stop reading the socket. */
  onPause(): void;
  /** The reader caught up: read again. */
  onResume(): void;
  /** The reader gave up on the body before its end (the connection cannot be reused). */
  onCancel(reason: unknown): void;
}

/** Bytes that may wait in a queue before the socket stops being read (64 KiB, like the write side's mark). */
export const BODY_HIGH_WATER_MARK = 64 * 1024;

/** See the module comment. */
export class BodyQueue {
  readonly #flow: BodyFlow;
  readonly #highWaterMark: number;
  #chunks: Buffer[] = [];
  #head = 0;
  #bytes = 0;
  #ended = false;
  #error: unknown = null;
  #paused = false;
  #cancelled = false;
  #waiter: { resolve: (c: Buffer | null) => void; reject: (e: unknown) => void } | null = null;
  /** The trailer fields of a chunked body (names and values alternating), set just before the end. */
  trailers: readonly string[] | null = null;

  /** @param flow the connection's side; @param highWaterMark bytes before the socket is paused */
  constructor(flow: BodyFlow, highWaterMark = BODY_HIGH_WATER_MARK) {
    this.#flow = flow;
    this.#highWaterMark = highWaterMark;
  }

  /** Bytes waiting to be read. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** True once the whole body arrived (it may still wait to be read). */
  get isComplete(): boolean {
    return this.#ended;
  }

  /** Adds a decoded chunk (connection side). */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.#cancelled || this.#ended || this.#error !== null) return;
    const w = this.#waiter;
    if (w !== null && this.#bytes === 0) {
      this.#waiter = null;
      w.resolve(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    if (!this.#paused && this.#bytes >= this.#highWaterMark) {
      this.#paused = true;
      this.#flow.onPause();
    }
  }

  /** Marks the end of the body (connection side). */
  end(): void {
    if (this.#ended || this.#error !== null) return;
    this.#ended = true;
    if (this.#paused) {
      // The end came in the same read that filled the queue: the connection moves on to its
      // next exchange, so it must read again (what waits here stays for this reader).
      this.#paused = false;
      this.#flow.onResume();
    }
    const w = this.#waiter;
    if (w !== null && this.#bytes === 0) {
      this.#waiter = null;
      w.resolve(null);
    }
  }

  /** Breaks the body: the pending and every later `next()` reject with `error` (connection side). */
  fail(error: unknown): void {
    if (this.#ended || this.#error !== null || this.#cancelled) return;
    this.#error = error;
    this.#paused = false;
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.reject(error);
    }
  }

  /**
   * The next chunk, or null at the end.
   * @throws BusyResourceError when another `next()` is still waiting
   */
  next(): Promise<Buffer | null> {
    if (this.#bytes > 0) return Promise.resolve(this.#take());
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended || this.#cancelled) return Promise.resolve(null);
    if (this.#waiter !== null) {
      return Promise.reject(
        new BusyResourceError('Cannot read a response body twice at once: await the first read.'),
      );
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Everything up to the end, as one Buffer. */
  async readAll(): Promise<Buffer> {
    // The common case: the whole body arrived with the head.
    if (this.#ended && this.#error === null) {
      const rest = this.#chunks.slice(this.#head);
      this.#chunks = [];
      this.#head = 0;
      this.#bytes = 0;
      return rest.length === 1 ? (rest[0] as Buffer) : Buffer.concat(rest);
    }
    const parts: Buffer[] = [];
    for (let c = await this.next(); c !== null; c = await this.next()) parts.push(c);
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /** Gives up on the rest of the body (reader side): later reads see the end. */
  cancel(reason?: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#paused = false;
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    const w = this.#waiter;
    this.#waiter = null;
    w?.resolve(null);
    if (!this.#ended && this.#error === null) this.#flow.onCancel(reason);
  }

  #take(): Buffer {
    const c = this.#chunks[this.#head] as Buffer;
    this.#chunks[this.#head++] = EMPTY;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    }
    this.#bytes -= c.length;
    if (this.#paused && this.#bytes <= this.#highWaterMark / 4) {
      this.#paused = false;
      this.#flow.onResume();
    }
    return c;
  }
}

const EMPTY = Buffer.alloc(0);
