/**
 * Test support for src/async (imported by its tests only, not re-exported): `withLoop`, and {@link FakeTransport}, an in-memory Transport a test
 * drives by hand (bytes "arrive", the "socket" takes buffered bytes, the connection "breaks").
 *
 * @module
 */
import { ClosedResourceError } from '../errors.ts';
import { EventLoop } from '../loop/event-loop.ts';
import type { Protocol } from '../net/protocol.ts';
import type { ExtraInfo, Transport, TransportStats, WaterMarks } from '../net/transport.ts';
import type { LoopConfig } from '../testing/loop-configs.ts';

/**
 * Makes a loop for `config`, runs `fn(loop)` to completion on it, checks that no timer was
 * left behind, and closes the loop.
 * @throws fn's error; an Error when timers are still pending afterwards
 */
export async function withLoop<T>(config: LoopConfig, fn: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = new EventLoop({ selector: config.backend, mode: config.mode });
  try {
    const value = await loop.runUntilComplete(() => fn(loop));
    const pending = loop.stats().timersPending;
    if (pending !== 0) throw new Error(`${pending} timer(s) left pending on the loop after the test`);
    return value;
  } finally {
    loop.close();
  }
}

/** An in-memory Transport; see the module comment. */
export class FakeTransport implements Transport {
  /** Everything written, in order. */
  readonly written: Buffer[] = [];
  /** How often pauseReading / resumeReading changed the state. */
  pauseCalls = 0;
  resumeCalls = 0;
  /** Whether writeEof() was called. */
  eofWritten = false;
  readonly #loop: EventLoop;
  #protocol: Protocol;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #readPaused = false;
  #buffered = 0;
  #marks: WaterMarks = { high: 64 * 1024, low: 16 * 1024 };
  #writePaused = false;

  /** Calls `protocol.connectionMade(this)` at once. */
  constructor(loop: EventLoop, protocol: Protocol) {
    this.#loop = loop;
    this.#protocol = protocol;
    protocol.connectionMade?.(this);
  }

  // ── test controls ─────────────────────────────────────────────────────────────────────

  /** The peer sent `data`. */
  receive(data: string | Uint8Array): void {
    this.#protocol.dataReceived(Buffer.from(data));
  }

  /** The peer half-closed. */
  receiveEof(): void {
    if (this.#protocol.eofReceived?.() !== true) this.close();
  }

  /** The socket took `n` buffered bytes (default: all). */
  flush(n: number = this.#buffered): void {
    this.#buffered -= Math.min(n, this.#buffered);
    this.#flowChanged();
    if (this.#state === 'closing' && this.#buffered === 0) this.#finish(undefined);
  }

  /** The connection broke with `error`. */
  fail(error: Error): void {
    this.#finish(error);
  }

  /** Everything written, as one Buffer. */
  get sent(): Buffer {
    return Buffer.concat(this.written);
  }

  // ── Transport ─────────────────────────────────────────────────────────────────────────

  write(data: Uint8Array | string): void {
    if (this.#state !== 'open' || this.eofWritten) throw new ClosedResourceError('FakeTransport: closed');
    const b = Buffer.from(data);
    this.written.push(b);
    this.#buffered += b.length;
    this.#flowChanged();
  }
  writeEof(): void {
    this.eofWritten = true;
  }
  canWriteEof(): boolean {
    return true;
  }
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    if (this.#buffered === 0) this.#finish(undefined);
  }
  abort(): void {
    this.#finish(undefined);
  }
  pauseReading(): void {
    if (this.#state !== 'open' || this.#readPaused) return;
    this.#readPaused = true;
    this.pauseCalls++;
  }
  resumeReading(): void {
    if (this.#state !== 'open' || !this.#readPaused) return;
    this.#readPaused = false;
    this.resumeCalls++;
  }
  get isReading(): boolean {
    return this.#state === 'open' && !this.#readPaused;
  }
  get isClosing(): boolean {
    return this.#state !== 'open';
  }
  get bufferedAmount(): number {
    return this.#buffered;
  }
  setWriteBufferLimits(high = 64 * 1024, low = Math.floor(high / 4)): void {
    this.#marks = { high, low };
    this.#flowChanged();
  }
  getWriteBufferLimits(): WaterMarks {
    return { ...this.#marks };
  }
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
    const info: ExtraInfo = { sockname: null, peername: null, fd: this.#state === 'closed' ? -1 : 99 };
    return info[name];
  }
  setProtocol(protocol: Protocol): void {
    this.#protocol = protocol;
  }
  getProtocol(): Protocol {
    return this.#protocol;
  }
  /** Transport: nothing to hold a process open. */
  unref(): void {}
  /** Transport. */
  ref(): void {}
  /** Transport: always true. */
  hasRef(): boolean {
    return true;
  }
  setNoDelay(): void {}
  setKeepAlive(): void {}
  stats(): TransportStats {
    return Object.freeze({
      fd: 99,
      bytesRead: 0,
      bytesWritten: 0,
      bufferedAmount: this.#buffered,
      isReading: this.isReading,
      isClosing: this.isClosing,
      writePaused: this.#writePaused,
    });
  }

  #flowChanged(): void {
    if (!this.#writePaused && this.#buffered > this.#marks.high) {
      this.#writePaused = true;
      this.#protocol.pauseWriting?.();
    } else if (this.#writePaused && this.#buffered <= this.#marks.low) {
      this.#writePaused = false;
      if (this.#state === 'open') this.#protocol.resumeWriting?.();
    }
  }

  #finish(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#buffered = 0;
    this.#loop.callSoon(() => this.#protocol.connectionLost?.(error));
  }
}

export { type LoopConfig, loopConfigs } from '../testing/loop-configs.ts';
