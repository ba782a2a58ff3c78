/**
 * `StreamProtocol`: the {@link Protocol} that turns a transport's callbacks into a
 * {@link StreamReader} / {@link StreamWriter} pair (asyncio's `StreamReaderProtocol` with its
 * `FlowControlMixin`). `openConnection` and `startServer` use it; use it directly to run
 * streams over any other Transport.
 *
 * What it does with each callback:
 * - `connectionMade` makes the writer and calls `onConnected(reader, writer)`;
 * - `dataReceived` / `eofReceived` feed the reader; EOF keeps the connection open for writing
 *   (half-close: the writer decides when to close);
 * - `pauseWriting` / `resumeWriting` hold and release `writer.drain()`;
 * - `connectionLost(error?)` ends the reader (with the error, if any), settles pending drains
 *   (rejecting them with the error; resolving them after a clean close: the buffer was
 *   flushed) and settles `waitClosed()`.
 *
 * @module
 */
import { BrokenResourceError, ClosedResourceError, NbioError } from '../errors.ts';
import type { Protocol } from '../net/protocol.ts';
import type { Transport } from '../net/transport.ts';
import { cancellable, type Settle, type SignalOptions } from './cancellable.ts';
import { StreamReader } from './stream-reader.ts';
import { StreamWriter } from './stream-writer.ts';

/** What `waitWritable` returns while writing is not paused: settled once, shared. */
const RESOLVED: Promise<void> = Promise.resolve();

/** Options of a {@link StreamProtocol}. */
export interface StreamProtocolOptions {
  /** The reader's buffer limit (see StreamReaderOptions); default (also when `undefined`) 64 KiB. */
  limit?: number | undefined;
  /** Called once from `connectionMade` with the pair. */
  onConnected?: (reader: StreamReader, writer: StreamWriter) => void;
  /** Called once from `connectionLost`, after the reader and waiters were settled. */
  onLost?: (error: Error | undefined) => void;
}

/** Adapts transport callbacks to a reader/writer pair; see the module comment. */
export class StreamProtocol implements Protocol {
  /** The reading half (exists from the start). */
  readonly reader: StreamReader;
  #writer: StreamWriter | null = null;
  readonly #onConnected: ((reader: StreamReader, writer: StreamWriter) => void) | undefined;
  readonly #onLost: ((error: Error | undefined) => void) | undefined;
  #writePaused = false;
  #lost = false;
  #lostError: Error | undefined;
  readonly #drainWaiters = new Set<Settle<void>>();
  readonly #closeWaiters = new Set<Settle<void>>();

  /** @throws InvalidArgumentError for a bad limit */
  constructor(options: StreamProtocolOptions = {}) {
    this.reader = new StreamReader({ limit: options.limit });
    this.#onConnected = options.onConnected;
    this.#onLost = options.onLost;
  }

  /** The writing half, once connected (null before `connectionMade`). */
  get writer(): StreamWriter | null {
    return this.#writer;
  }

  // ── Protocol ──────────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  connectionMade(transport: Transport): void {
    this.reader.setTransport(transport);
    this.#writer = new StreamWriter(transport, this);
    this.#onConnected?.(this.reader, this.#writer);
  }

  /** @inheritDoc */
  dataReceived(data: Buffer): void {
    this.reader.feedData(data);
  }

  /**
   * The peer half-closed: the reader sees EOF. Returns true, which keeps the connection open for
   * writing (half-close).
   */
  eofReceived(): boolean {
    this.reader.feedEof();
    return true;
  }

  /** @inheritDoc */
  connectionLost(error?: Error): void {
    if (this.#lost) return;
    this.#lost = true;
    const broken = error === undefined ? undefined : asBroken(error);
    this.#lostError = broken;
    if (broken === undefined) this.reader.feedEof();
    else this.reader.setException(broken);
    this.#writePaused = false;
    for (const waiters of [this.#drainWaiters, this.#closeWaiters]) {
      const all = [...waiters];
      waiters.clear();
      for (const w of all) {
        if (broken === undefined) w.resolve();
        else w.reject(broken);
      }
    }
    this.#onLost?.(broken);
  }

  /** @inheritDoc */
  pauseWriting(): void {
    this.#writePaused = true;
  }

  /** @inheritDoc */
  resumeWriting(): void {
    this.#writePaused = false;
    const all = [...this.#drainWaiters];
    this.#drainWaiters.clear();
    for (const w of all) w.resolve();
  }

  // ── for the writer ────────────────────────────────────────────────────────────────────

  /** True once `connectionLost` was called. */
  get isLost(): boolean {
    return this.#lost;
  }

  /** The error the connection ended with (undefined while open or after a clean close). */
  get lostError(): Error | undefined {
    return this.#lostError;
  }

  /** True between `pauseWriting` and `resumeWriting` (the transport's buffer is above its high mark). */
  get isWritePaused(): boolean {
    return this.#writePaused;
  }

  /**
   * Resolves when writing may go on: at once unless paused, else at `resumeWriting`.
   * @throws (rejects) the connection's error; ClosedResourceError once the connection is
   *   closed; AbortedError when `options.signal` aborts first
   */
  waitWritable(options: SignalOptions = {}): Promise<void> {
    // The common case (not paused, no signal) allocates nothing: one settled promise serves all.
    if (!this.#writePaused && !this.#lost && options.signal === undefined) return RESOLVED;
    return cancellable<void>('StreamWriter.drain()', options.signal, (settle) => {
      if (this.#lost) {
        settle.reject(
          this.#lostError ??
            new ClosedResourceError('Cannot drain: the connection is closed. Open a new one.'),
        );
      } else if (!this.#writePaused) settle.resolve();
      else {
        this.#drainWaiters.add(settle);
        return () => this.#drainWaiters.delete(settle);
      }
      return undefined;
    });
  }

  /**
   * Resolves once the connection is gone (`connectionLost`).
   * @throws (rejects) the connection's error; AbortedError when `options.signal` aborts first
   */
  waitLost(options: SignalOptions = {}): Promise<void> {
    return cancellable<void>('StreamWriter.waitClosed()', options.signal, (settle) => {
      if (this.#lost) {
        if (this.#lostError === undefined) settle.resolve();
        else settle.reject(this.#lostError);
        return undefined;
      }
      this.#closeWaiters.add(settle);
      return () => this.#closeWaiters.delete(settle);
    });
  }
}

/** The transport reports OS failures as BrokenResourceError already; wrap anything else. */
function asBroken(error: Error): Error {
  if (error instanceof NbioError) return error;
  return new BrokenResourceError(`The connection broke: ${error.message}`, { cause: error });
}
