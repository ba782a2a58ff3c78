/**
 * `HttpParser`: an incremental HTTP/1.1 parser for requests (servers) or responses (clients).
 * Bytes go in through {@link HttpParser.execute}, events come out through an
 * {@link HttpParserHandler} (the shape of llhttp's callbacks and Tornado's
 * `HTTPMessageDelegate`). Pure: no I/O, no timers.
 *
 * ## Same events however the bytes are split
 * The head and the trailer section are scanned byte by byte (CR/LF pairing, limits) and parsed
 * only once complete, so a field never arrives in pieces; body bytes are delivered as they come
 * (slices of the input, not copies), and their concatenation is the same for any split. The
 * parser keeps references to the buffers it is given: do not reuse them.
 *
 * ## Strictness
 * Lines end in CRLF (a bare CR or LF is a 400), one space separates the parts of the request
 * line, and the framing rules of RFC 9112 §6 are applied in {@link parseHead}. After an error
 * the parser is dead: the bytes behind a rejected message are never parsed, and a message
 * that ends with `Connection: close` (or an HTTP/1.0 message without keep-alive) is the last.
 *
 * ## Pausing
 * A handler may call `pause()` in `onHead` or `onMessageComplete` (a server does, to answer
 * pipelined requests one at a time). The rest of the input is kept until `resume()`.
 *
 * @module
 */
import { BlockScanner } from './block-scanner.ts';
import { CR, FIELD_VALUE, HEX, HTAB, LF, SEMICOLON, SP } from './char-classes.ts';
import { HeaderList } from './header-list.ts';
import { HttpParseError } from './http-parse-error.ts';
import {
  DEFAULT_LIMITS,
  type HttpLimits,
  type MessageHead,
  type MessageKind,
  parseFields,
  parseHead,
  type ResolvedLimits,
} from './message-head.ts';

/** What the parser calls. Exceptions thrown here propagate out of `execute()`. */
export interface HttpParserHandler {
  /**
   * A head is complete. For a response, return `true` when it has no body whatever its fields say
   * (the answer to a HEAD request, or a 2xx to CONNECT).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that only looks returns nothing
  onHead(head: MessageHead): boolean | undefined | void;
  /** Body bytes (after removing the chunked framing); a slice of the input. */
  onBody(chunk: Buffer): void;
  /** The trailer section of a chunked body, when it has fields. */
  onTrailers?(trailers: HeaderList): void;
  /** The message ended. */
  onMessageComplete(): void;
  /** The input broke a rule; the parser is dead. Called at most once. */
  onError(error: HttpParseError): void;
}

enum S {
  Start,
  StartLf,
  Head,
  Length,
  ChunkSize,
  ChunkSizeWs,
  ChunkExt,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  Trailers,
  UntilClose,
  Done,
  Dead,
}

/** Largest chunk size before the next hex digit could overflow a safe integer. */
const CHUNK_SIZE_MAX = Math.floor(Number.MAX_SAFE_INTEGER / 16);

/** An incremental HTTP/1.1 parser; see the module comment. */
export class HttpParser {
  readonly #kind: MessageKind;
  readonly #handler: HttpParserHandler;
  readonly #limits: ResolvedLimits;
  #state = S.Start;
  /** Head and trailer blocks: where they end. */
  readonly #block: BlockScanner;
  // Body.
  #remaining = 0;
  /** Hex digits of the chunk size read so far. */
  #sizeDigits = 0;
  /** Bytes of the chunk extensions of the current chunk (held to `maxHeaderBytes`). */
  #extBytes = 0;
  #bodyBytes = 0;
  #keepAlive = true;
  // Pausing.
  #paused = false;
  #pending: Buffer | null = null;
  #eofPending = false;
  #messages = 0;

  /**
   * @param kind `'request'` for a server, `'response'` for a client
   * @param handler receives the events
   * @param limits size limits (defaults: {@link DEFAULT_LIMITS})
   */
  constructor(kind: MessageKind, handler: HttpParserHandler, limits: HttpLimits = {}) {
    this.#kind = kind;
    this.#handler = handler;
    this.#limits = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
    this.#block = new BlockScanner(kind, this.#limits);
  }

  /** True after an error: nothing more will be parsed. */
  get isDead(): boolean {
    return this.#state === S.Dead;
  }

  /** True after the last message the connection may carry (`Connection: close`, 1.0). */
  get isDone(): boolean {
    return this.#state === S.Done;
  }

  /** True between messages with nothing of the next one seen yet (a safe moment to close). */
  get isIdle(): boolean {
    return this.#state === S.Start && this.#pending === null;
  }

  /** True while paused. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** Bytes kept while paused, not parsed yet. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  /** Messages completed so far. */
  get messageCount(): number {
    return this.#messages;
  }

  /** Stops at the next event boundary; the unparsed input is kept until {@link resume}. */
  pause(): void {
    this.#paused = true;
  }

  /** Parses what was kept while paused (events may fire before this returns). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const pending = this.#pending;
    this.#pending = null;
    if (pending !== null) this.execute(pending);
    if (!this.#paused && this.#eofPending) {
      this.#eofPending = false;
      this.finish();
    }
  }

  /** Feeds bytes. Events fire synchronously; the parser keeps references to `data`. */
  execute(data: Buffer): void {
    if (this.#paused) {
      this.#pending = this.#pending === null ? data : Buffer.concat([this.#pending, data]);
      return;
    }
    try {
      this.#run(data);
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.#fail(err);
    }
  }

  /** The input ended (the peer closed): completes a body delimited by the close, or fails. */
  finish(): void {
    if (this.#paused) {
      this.#eofPending = true;
      return;
    }
    const s = this.#state;
    if (s === S.UntilClose) {
      this.#state = S.Done;
      this.#messages++;
      this.#handler.onMessageComplete();
    } else if (s !== S.Start && s !== S.Done && s !== S.Dead) {
      this.#fail(new HttpParseError('INCOMPLETE_MESSAGE', 'the input ended in the middle of a message.'));
    }
  }

  #fail(err: HttpParseError): void {
    this.#state = S.Dead;
    this.#block.drop();
    this.#pending = null;
    this.#handler.onError(err);
  }

  #run(data: Buffer): void {
    const len = data.length;
    let i = 0;
    while (i < len) {
      switch (this.#state) {
        case S.Start: {
          const c = data[i];
          if (c === CR) {
            this.#state = S.StartLf;
            i++;
          } else if (c === LF) throw new HttpParseError('BARE_LF', 'an LF without CR before a message.');
          else this.#beginBlock(S.Head);
          break;
        }
        case S.StartLf:
          if (data[i] !== LF)
            throw new HttpParseError('BARE_CR', 'a CR not followed by LF before a message.');
          this.#state = S.Start;
          i++;
          break;
        case S.Head:
        case S.Trailers: {
          const start = i;
          const end = this.#block.scan(data, i);
          if (end < 0) {
            this.#block.keep(data.subarray(start));
            return;
          }
          // The whole input when it is one block (a lone request's head: no view made).
          const view = start === 0 && end === len ? data : data.subarray(start, end);
          const block = this.#block.hasPieces ? this.#block.join(view) : view;
          i = end;
          if (this.#state === S.Head) this.#head(block);
          else this.#trailers(block);
          if (this.#paused && i < len) {
            this.#pending = data.subarray(i);
            return;
          }
          break;
        }
        case S.Length: {
          const n = Math.min(this.#remaining, len - i);
          this.#remaining -= n;
          const chunk = data.subarray(i, i + n);
          i += n;
          this.#handler.onBody(chunk);
          if (this.#remaining === 0 && this.#state === S.Length) {
            this.#complete();
            if (this.#paused && i < len) {
              this.#pending = data.subarray(i);
              return;
            }
          }
          break;
        }
        case S.UntilClose:
          this.#handler.onBody(i === 0 ? data : data.subarray(i));
          return;
        case S.ChunkSize: {
          const c = data[i] ?? 0;
          const h = HEX[c] ?? -1;
          if (h >= 0) {
            if (this.#remaining > CHUNK_SIZE_MAX)
              throw new HttpParseError('CHUNK_SIZE_OVERFLOW', 'a chunk size too large to be real.');
            this.#remaining = this.#remaining * 16 + h;
            this.#sizeDigits++;
            i++;
            break;
          }
          if (this.#sizeDigits === 0)
            throw new HttpParseError('INVALID_CHUNK_SIZE', 'a chunk without a hex size.');
          this.#state = S.ChunkSizeWs;
          break;
        }
        case S.ChunkSizeWs: {
          const c = data[i];
          if (c === SP || c === HTAB) i++;
          else if (c === SEMICOLON) {
            this.#state = S.ChunkExt;
            i++;
          } else if (c === CR) {
            this.#state = S.ChunkSizeLf;
            i++;
          } else
            throw new HttpParseError(
              'INVALID_CHUNK_SIZE',
              `byte 0x${(c ?? 0).toString(16)} after a chunk size.`,
            );
          break;
        }
        case S.ChunkExt: {
          const c = data[i] ?? 0;
          if (c === CR) this.#state = S.ChunkSizeLf;
          else if (FIELD_VALUE[c] !== 1)
            throw new HttpParseError(
              'INVALID_CHUNK_EXTENSION',
              `byte 0x${c.toString(16)} in a chunk extension.`,
            );
          else if (++this.#extBytes > this.#limits.maxHeaderBytes) {
            throw new HttpParseError('HEADERS_TOO_LARGE', 'a chunk extension longer than the header limit.');
          }
          i++;
          break;
        }
        case S.ChunkSizeLf: {
          if (data[i] !== LF)
            throw new HttpParseError('MISSING_CHUNK_CRLF', 'a chunk size line not ended by CRLF.');
          i++;
          const size = this.#remaining;
          this.#bodyBytes += size;
          if (this.#bodyBytes > this.#limits.maxBodyBytes) {
            throw new HttpParseError(
              'BODY_TOO_LARGE',
              `the chunked body passes the limit of ${this.#limits.maxBodyBytes} bytes.`,
            );
          }
          if (size === 0) this.#beginBlock(S.Trailers);
          else this.#state = S.ChunkData;
          break;
        }
        case S.ChunkData: {
          const n = Math.min(this.#remaining, len - i);
          this.#remaining -= n;
          const chunk = data.subarray(i, i + n);
          i += n;
          if (this.#remaining === 0) this.#state = S.ChunkDataCr;
          this.#handler.onBody(chunk);
          break;
        }
        case S.ChunkDataCr:
          if (data[i] !== CR)
            throw new HttpParseError(
              'MISSING_CHUNK_CRLF',
              'chunk data longer than its size, or not ended by CRLF.',
            );
          this.#state = S.ChunkDataLf;
          i++;
          break;
        case S.ChunkDataLf:
          if (data[i] !== LF) throw new HttpParseError('MISSING_CHUNK_CRLF', 'chunk data not ended by CRLF.');
          this.#state = S.ChunkSize;
          this.#remaining = 0;
          this.#sizeDigits = 0;
          this.#extBytes = 0;
          i++;
          break;
        case S.Done:
        case S.Dead:
          return;
      }
    }
  }

  #beginBlock(state: S): void {
    this.#state = state;
    this.#block.begin(state === S.Head);
  }

  #head(block: Buffer): void {
    const head = parseHead(block, block.length, this.#kind, this.#limits);
    this.#keepAlive = head.keepAlive;
    this.#bodyBytes = 0;
    const noBody = this.#handler.onHead(head) === true;
    if (this.#state !== S.Head) return; // the handler failed the parser (or reset it)
    if (noBody || head.framing === 'none') this.#complete();
    else if (head.framing === 'length') {
      this.#remaining = head.contentLength;
      this.#state = S.Length;
    } else if (head.framing === 'chunked') {
      this.#state = S.ChunkSize;
      this.#remaining = 0;
      this.#sizeDigits = 0;
      this.#extBytes = 0;
    } else this.#state = S.UntilClose;
  }

  #trailers(block: Buffer): void {
    if (block.length > 2) {
      const { offsets, count } = parseFields(block, 0, block.length, this.#limits);
      this.#handler.onTrailers?.(new HeaderList(block, offsets, count));
    }
    this.#complete();
  }

  #complete(): void {
    this.#state = this.#keepAlive ? S.Start : S.Done;
    this.#messages++;
    this.#handler.onMessageComplete();
  }
}

function definedOnly(limits: HttpLimits): HttpLimits {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(limits)) if (v !== undefined) out[k] = v as number;
  return out;
}
