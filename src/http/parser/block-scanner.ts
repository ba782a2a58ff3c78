/**
 * `BlockScanner`: finds the empty line that ends a head or a trailer section, however the bytes
 * are split. Lines must end in CRLF (a bare CR or LF is an error), and the request line and the
 * whole block are held to their limits (414, 431) as the bytes arrive, before anything is
 * parsed. The pieces of a block that spans several inputs are kept (by reference) and joined
 * once it is complete. Used by {@link HttpParser}.
 *
 * @module
 */
import { CR, LF } from './char-classes.ts';
import { HttpParseError } from './http-parse-error.ts';
import type { MessageKind, ResolvedLimits } from './message-head.ts';

/** The scan of one head or trailer block; see the module comment. */
export class BlockScanner {
  readonly #limits: ResolvedLimits;
  /** A request's first line is held to `maxRequestLineBytes`. */
  readonly #checksRequestLine: boolean;
  #pieces: Buffer[] = [];
  #blockBytes = 0;
  #lineBytes = 0;
  #firstLine = true;
  #prev = 0;

  /**
   * @param kind `'request'` checks the request line's length
   * @param limits the parser's limits
   */
  constructor(kind: MessageKind, limits: ResolvedLimits) {
    this.#limits = limits;
    this.#checksRequestLine = kind === 'request';
  }

  /** True while the block seen so far spans earlier inputs (kept as pieces). */
  get hasPieces(): boolean {
    return this.#pieces.length > 0;
  }

  /** Starts a block: a head (`isHead`, whose first line may be a request line) or trailers. */
  begin(isHead: boolean): void {
    if (this.#pieces.length > 0) this.#pieces = []; // no new array per block: join() and drop() empty it
    this.#blockBytes = 0;
    this.#lineBytes = 0;
    this.#firstLine = isHead;
    this.#prev = 0;
  }

  /** Forgets the pieces kept (the parser failed). */
  drop(): void {
    this.#pieces = [];
  }

  /** Keeps the start of a block that continues in the next input. */
  keep(piece: Buffer): void {
    this.#pieces.push(piece);
  }

  /** The block: the pieces kept, then `last`, joined into one Buffer. */
  join(last: Buffer): Buffer {
    this.#pieces.push(last);
    const b = Buffer.concat(this.#pieces);
    this.#pieces = [];
    return b;
  }

  /** Scans for the empty line that ends a block; returns the index after it, or −1. */
  scan(data: Buffer, from: number): number {
    // The state and limits in locals for the loop (a field load per byte showed in profiles).
    const maxBlock = this.#limits.maxHeaderBytes;
    let maxLine = this.#checksRequestLine && this.#firstLine ? this.#limits.maxRequestLineBytes + 1 : -1;
    let prev = this.#prev;
    let line = this.#lineBytes;
    let total = this.#blockBytes;
    const len = data.length;
    for (let i = from; i < len; i++) {
      const c = data[i] ?? 0;
      if (c === LF) {
        if (prev !== CR) throw new HttpParseError('BARE_LF', 'a line ends in LF without CR.');
        if (line === 1) {
          this.#prev = 0;
          this.#firstLine = false;
          return i + 1;
        }
        line = 0;
        maxLine = -1;
      } else {
        if (prev === CR) throw new HttpParseError('BARE_CR', 'a CR not followed by LF.');
        line++;
      }
      if (++total > maxBlock) {
        if (maxLine >= 0) {
          throw new HttpParseError(
            'REQUEST_LINE_TOO_LONG',
            `the request line is longer than ${this.#limits.maxRequestLineBytes} bytes.`,
          );
        }
        throw new HttpParseError('HEADERS_TOO_LARGE', `the header section is larger than ${maxBlock} bytes.`);
      }
      if (maxLine >= 0 && line > maxLine) {
        throw new HttpParseError(
          'REQUEST_LINE_TOO_LONG',
          `the request line is longer than ${this.#limits.maxRequestLineBytes} bytes.`,
        );
      }
      prev = c;
    }
    this.#prev = prev;
    this.#lineBytes = line;
    this.#blockBytes = total;
    if (maxLine < 0) this.#firstLine = false;
    return -1;
  }
}
