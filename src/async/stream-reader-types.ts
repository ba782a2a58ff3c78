/**
 * The option and stats types of `StreamReader` (src/async/stream-reader.ts), which re-exports
 * them.
 *
 * @module
 */
import type { SignalOptions } from './cancellable.ts';

/** Options of a `StreamReader`. */
export interface StreamReaderOptions {
  /** Buffer limit in bytes (backpressure threshold and `readUntil`'s default limit); default (also when `undefined`) 64 KiB. */
  limit?: number | undefined;
}

/** Options of `StreamReader.readUntil`. */
export interface ReadUntilOptions extends SignalOptions {
  /** The most bytes the result may hold, delimiter included; default: the reader's limit. */
  limit?: number;
}

/** Counters of one reader, as a frozen plain object. */
export interface StreamReaderStats {
  /** Bytes buffered, not yet read. */
  readonly buffered: number;
  /** The buffer limit. */
  readonly limit: number;
  /** Whether the reader paused the transport (backpressure). */
  readonly paused: boolean;
  /** Whether the peer's EOF (or the connection's end) arrived. */
  readonly eof: boolean;
  /** The read waiting now ('readLine', …), or null. */
  readonly reading: string | null;
  /** Bytes `readUntil` has examined so far, over the reader's life (a linearity diagnostic). */
  readonly scannedBytes: number;
}
