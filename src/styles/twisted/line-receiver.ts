/**
 * `LineReceiver`: a protocol that cuts the byte stream into lines (Twisted's
 * `twisted.protocols.basic.LineReceiver`).
 *
 * ```ts
 * class Shout extends LineReceiver {
 *   override delimiter = '\n';
 *   override lineReceived(line: Buffer) { this.sendLine(line.toString().toUpperCase()); }
 * }
 * ```
 *
 * - Lines arrive without their delimiter, as Buffers (Twisted's lines are bytes); a line is a
 *   view into the received data, valid as long as you keep it.
 * - A line longer than `MAX_LENGTH` bytes, or that many bytes buffered without a delimiter,
 *   calls `lineLengthExceeded(line)`; by default it closes the connection (Twisted's default).
 * - `setRawMode()` sends the bytes after the current line to `rawDataReceived` (a body of
 *   known length, say); `setLineMode(extra)` goes back to lines, starting with `extra`.
 * - Once the transport is closing no further lines are delivered (as in Twisted).
 *
 * The buffer keeps the chunks as they came (never joined per chunk) and is searched only from
 * where the last search stopped, so a long line arriving in many small chunks (MAX_LENGTH
 * raised) is neither copied nor scanned again and again: one copy when the line is taken.
 *
 * @module
 */
import { ByteBuffer } from '../../async/byte-buffer.ts';
import { Protocol } from './protocol.ts';

const EMPTY = Buffer.alloc(0);

/** Cuts the stream into lines; see the module comment. */
export class LineReceiver extends Protocol {
  /** What ends a line; default `'\r\n'`. */
  delimiter: string | Uint8Array = '\r\n';
  /** The longest line accepted, in bytes (without the delimiter); default 16384. */
  MAX_LENGTH = 16384;
  #buffer = new ByteBuffer();
  /** Bytes at the start of #buffer already searched without finding a delimiter. */
  #searched = 0;
  #lineMode = true;
  #delimSource: string | Uint8Array | null = null;
  #delim: Buffer = EMPTY;

  /** A complete line arrived (without the delimiter). */
  lineReceived(_line: Buffer): void {}

  /** Raw bytes arrived while in raw mode. */
  rawDataReceived(_data: Buffer): void {}

  /** A line (or the buffer without a delimiter) went past MAX_LENGTH; default: close the connection. */
  lineLengthExceeded(_line: Buffer): void {
    this.transport?.loseConnection();
  }

  /** Sends `line` followed by the delimiter, in one write. */
  sendLine(line: string | Uint8Array): void {
    const d = this.#delimiter();
    this.transport?.write(Buffer.concat([typeof line === 'string' ? Buffer.from(line) : line, d]));
  }

  /** From now on, bytes go to `rawDataReceived` (the rest of the current chunk included). */
  setRawMode(): void {
    this.#lineMode = false;
  }

  /** Back to lines; `extra` is treated as received data (Twisted returns it the same way). */
  setLineMode(extra: Uint8Array = EMPTY): void {
    this.#lineMode = true;
    if (extra.length > 0) this.dataReceived(Buffer.from(extra));
  }

  /** Empties the line buffer and returns what it held. */
  clearLineBuffer(): Buffer {
    const b = this.#buffer.takeAll();
    this.#searched = 0;
    return b;
  }

  override dataReceived(data: Buffer): void {
    if (!this.#lineMode) {
      this.rawDataReceived(data);
      return;
    }
    const delim = this.#delimiter();
    const buffer = this.#buffer;
    buffer.push(data);
    let searchFrom = this.#searched;
    let exhausted = false;
    while (this.#lineMode && !this.transport?.disconnecting) {
      // The buffer starts where the next line does.
      const end = buffer.indexOf(delim, searchFrom);
      if (end < 0) {
        exhausted = true;
        break;
      }
      searchFrom = 0;
      if (end > this.MAX_LENGTH) {
        this.lineLengthExceeded(this.clearLineBuffer()); // the line and everything after it
        return;
      }
      const line = buffer.take(end);
      buffer.take(delim.length);
      this.lineReceived(line);
    }
    if (!this.#lineMode) {
      // lineReceived switched to raw mode: the rest is raw data
      const rest = this.clearLineBuffer();
      if (rest.length > 0) this.rawDataReceived(rest);
      return;
    }
    if (buffer.length >= this.MAX_LENGTH + delim.length) {
      // Twisted's bound: room for a MAX_LENGTH line whose delimiter is still arriving
      this.lineLengthExceeded(this.clearLineBuffer());
      return;
    }
    // The next search may start where a delimiter split across chunks could begin.
    this.#searched = exhausted ? Math.max(0, buffer.length - delim.length + 1) : 0;
  }

  #delimiter(): Buffer {
    if (this.delimiter !== this.#delimSource) {
      this.#delimSource = this.delimiter;
      this.#delim = Buffer.from(this.delimiter);
    }
    return this.#delim;
  }
}
