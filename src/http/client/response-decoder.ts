/**
 * `ResponseDecoder`: the client's incremental HTTP/1.x response parser (RFC 9112), pure —
 * bytes in, events out — and the same events however the bytes are split. The request side
 * and the server live in src/http/parser/ and src/http/server*; this file is the response side
 * the client needs, kept small: status line, fields, message framing, chunked coding.
 *
 * ## Framing (RFC 9112 §6.3), in order
 * 1. A response to HEAD, and every 1xx, 204 and 304, ends with its head. Interim 1xx heads
 *    (100 Continue, 103 Early Hints) are skipped; the final head follows on the same message.
 * 2. `Transfer-Encoding` whose last coding is `chunked`: chunked body (extensions skipped,
 *    trailer fields checked and dropped). Any other `Transfer-Encoding`: the body runs until
 *    the server closes (§6.3 item 4).
 * 3. `Content-Length`: that many bytes. A list of equal values counts as one; different values
 *    or anything but digits is malformed (§6.3 item 5).
 * 4. Neither: the body runs until the server closes, and the connection is not reused.
 *
 * ## Strictness (what is malformed here)
 * A status line that is not `HTTP/1.0` or `HTTP/1.1`, a 3-digit code and an optional reason;
 * lines not ended by CRLF; a field name that is not a token, or whitespace before its colon;
 * control bytes (NUL, bare CR, …) in a value or reason; both `Transfer-Encoding` and
 * `Content-Length` (a smuggling sign, §6.1: "ought to be handled as an error"); chunk sizes that
 * are not hex, overflow 2^53 or lack their CRLF; a head or trailer larger than `maxHeaderBytes`
 * or with more than `maxHeaderCount` fields. Folded lines (obs-fold) are unfolded into one space,
 * as §5.2 requires of a user agent.
 *
 * @module
 */
import { MalformedResponseError } from './client-errors.ts';

/** The head of a final response. */
export interface ResponseHead {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: number;
  /** The status code, 100–999 (interim 1xx codes are never reported here, except 101). */
  readonly status: number;
  /** The reason phrase, possibly empty. */
  readonly statusText: string;
  /** Field names and values, alternating, as sent (names keep their case). */
  readonly rawHeaders: string[];
  /** The body is framed by chunked coding, a length, or the close of the connection; or absent. */
  readonly framing: 'none' | 'length' | 'chunked' | 'close';
  /** The announced Content-Length, or -1. */
  readonly contentLength: number;
  /** The connection may carry another request after this response (keep-alive). */
  readonly keepAlive: boolean;
}

/** What a {@link ResponseDecoder} reports, in order: one head, body chunks, one end. */
export interface ResponseEvents {
  /** The final head arrived. */
  onHead(head: ResponseHead): void;
  /** A piece of the body (a slice of the fed buffer: keep it or copy it, it is not reused). */
  onBody(chunk: Buffer): void;
  /** The response is complete. `reusable`: the connection may carry the next request. */
  onEnd(reusable: boolean): void;
}

/** Limits of a {@link ResponseDecoder}. */
export interface ResponseDecoderLimits {
  /** The largest head (status line and fields, or the trailer), in bytes. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** The most fields in a head or a trailer. Default 256. */
  maxHeaderCount?: number;
}

type State = 'idle' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'close';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,13})[ \t]*(?:;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;
const DIGITS = /^\d{1,15}$/;
/** A chunk-size line with extensions may not exceed this (llhttp and Go use similar caps). */
const MAX_CHUNK_LINE = 4096;

/** The response side of HTTP/1.x; see the module comment. */
export class ResponseDecoder {
  readonly #events: ResponseEvents;
  readonly #maxHeaderBytes: number;
  readonly #maxHeaderCount: number;
  #state: State = 'idle';
  #isHead = false;
  /** Bytes of an unfinished head, chunk-size line or trailer. */
  #pending: Buffer | null = null;
  #remaining = 0;
  #keepAlive = false;
  /** Set when a response ended inside the current step; feed() then reports onEnd. */
  #ended = false;
  #started = false;

  /** @param events the receiver of the events; @param limits see {@link ResponseDecoderLimits} */
  constructor(events: ResponseEvents, limits: ResponseDecoderLimits = {}) {
    this.#events = events;
    this.#maxHeaderBytes = limits.maxHeaderBytes ?? 64 * 1024;
    this.#maxHeaderCount = limits.maxHeaderCount ?? 256;
  }

  /** True between {@link expect} and the end of that response. */
  get isBusy(): boolean {
    return this.#state !== 'idle';
  }

  /** True once any byte of the expected response arrived (a retry is then unsafe). */
  get hasStarted(): boolean {
    return this.#started;
  }

  /** Prepares for the response to a request with `method` (HEAD responses have no body). */
  expect(method: string): void {
    this.#state = 'head';
    this.#isHead = method === 'HEAD';
    this.#pending = null;
    this.#started = false;
  }

  /**
   * Decodes `data`. Events run synchronously, inside this call.
   * @throws MalformedResponseError when the bytes are not a valid response, or arrive when no
   *   response is expected (the connection must then be closed)
   */
  feed(data: Buffer): void {
    let at = 0;
    const end = data.length;
    if (end > 0) this.#started = true;
    while (at < end) {
      switch (this.#state) {
        case 'idle':
          throw new MalformedResponseError(`${end - at} bytes arrived when no response was expected`);
        case 'head':
          at = this.#feedHead(data, at);
          break;
        case 'length': {
          const n = Math.min(this.#remaining, end - at);
          this.#remaining -= n;
          const chunk = at === 0 && n === end ? data : data.subarray(at, at + n);
          at += n;
          if (this.#remaining === 0) {
            this.#state = 'idle';
            this.#ended = true;
          }
          this.#events.onBody(chunk);
          break;
        }
        case 'chunk-size':
          at = this.#feedLine(data, at, MAX_CHUNK_LINE, 'chunk size line', this.#onChunkSize);
          break;
        case 'chunk-data': {
          const n = Math.min(this.#remaining, end - at);
          this.#remaining -= n;
          const chunk = data.subarray(at, at + n);
          at += n;
          if (this.#remaining === 0) this.#state = 'chunk-crlf';
          this.#events.onBody(chunk);
          break;
        }
        case 'chunk-crlf': {
          // The CRLF after chunk data, one byte at a time (#remaining counts the bytes seen).
          const want = this.#remaining === 0 ? 0x0d : 0x0a;
          if (data[at] !== want)
            throw new MalformedResponseError('chunk data longer than its size (no CRLF after it)');
          at++;
          if (++this.#remaining === 2) this.#state = 'chunk-size';
          break;
        }
        case 'trailer':
          at = this.#feedTrailer(data, at);
          break;
        case 'close':
          this.#events.onBody(at === 0 ? data : data.subarray(at));
          at = end;
          break;
      }
      if (this.#ended) {
        this.#ended = false;
        // Bytes behind a complete response, before the next request, are never read as its
        // answer: the connection is not reused, and they are dropped with it.
        this.#events.onEnd(this.#keepAlive && at === end);
        return;
      }
    }
  }

  /**
   * The server closed its side. Returns true when that ended the response cleanly (a body
   * framed by the close) or no response was expected; false when a response was cut short.
   */
  eof(): boolean {
    if (this.#state === 'idle') return true;
    if (this.#state === 'close') {
      this.#state = 'idle';
      this.#events.onEnd(false);
      return true;
    }
    return false;
  }

  /** Consumes head bytes from `at`; returns where it stopped. */
  #feedHead(data: Buffer, at: number): number {
    let buf = data;
    let from = at;
    let scanFrom = at;
    if (this.#pending !== null) {
      scanFrom = Math.max(0, this.#pending.length - 3);
      buf = Buffer.concat([this.#pending, data.subarray(at)]);
      from = 0;
    }
    const endAt = buf.indexOf(HEAD_END, scanFrom);
    if (endAt < 0) {
      if (buf.length - from > this.#maxHeaderBytes) this.#tooLarge('response head');
      this.#pending = from === 0 && buf !== data ? buf : Buffer.from(buf.subarray(from));
      return data.length;
    }
    if (endAt + 4 - from > this.#maxHeaderBytes) this.#tooLarge('response head');
    const consumedOfData = buf === data ? endAt + 4 : at + endAt + 4 - (buf.length - (data.length - at));
    this.#pending = null;
    this.#parseHead(buf.toString('latin1', from, endAt));
    return consumedOfData;
  }

  #parseHead(text: string): void {
    const lines = text.split('\r\n');
    const statusLine = lines[0] ?? '';
    const m = STATUS_LINE.exec(statusLine);
    if (m === null)
      throw new MalformedResponseError(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`);
    const minorVersion = m[1] === '1' ? 1 : 0;
    const status = Number(m[2]);
    const rawHeaders = this.#parseFields(lines, 1, 'response head');
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim response: the final one follows (RFC 9110 §15.2).
      this.#state = 'head';
      return;
    }
    let contentLength = -1;
    let chunked = false;
    let hasTe = false;
    let connection = '';
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i] as string;
      const value = rawHeaders[i + 1] as string;
      if (name.length === 14 && name.toLowerCase() === 'content-length') {
        contentLength = mergeLength(contentLength, value);
      } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
        hasTe = true;
        const codings = value.toLowerCase().split(',');
        chunked = (codings[codings.length - 1] ?? '').trim() === 'chunked';
      } else if (name.length === 10 && name.toLowerCase() === 'connection') {
        connection += `,${value.toLowerCase()}`;
      }
    }
    if (hasTe && contentLength >= 0) {
      throw new MalformedResponseError('both Transfer-Encoding and Content-Length (RFC 9112 §6.1)');
    }
    const tokens = connection.split(',').map((t) => t.trim());
    let keepAlive = minorVersion === 1 ? !tokens.includes('close') : tokens.includes('keep-alive');
    let framing: ResponseHead['framing'];
    if (this.#isHead || status === 204 || status === 304 || status < 200) framing = 'none';
    else if (hasTe) framing = chunked ? 'chunked' : 'close';
    else if (contentLength >= 0) framing = contentLength === 0 ? 'none' : 'length';
    else framing = 'close';
    if (framing === 'close' || status === 101) keepAlive = false;
    this.#keepAlive = keepAlive;
    const head: ResponseHead = {
      minorVersion,
      status,
      statusText: m[3] ?? '',
      rawHeaders,
      framing,
      contentLength,
      keepAlive,
    };
    this.#state =
      framing === 'none'
        ? 'idle'
        : framing === 'length'
          ? 'length'
          : framing === 'chunked'
            ? 'chunk-size'
            : 'close';
    this.#remaining = contentLength;
    this.#events.onHead(head);
    // A bodiless response ends with its head; feed() reports the end, knowing what follows.
    if (framing === 'none') this.#ended = true;
  }

  /** Parses field lines `lines[from..]` into [name, value, …]; unfolds obs-fold. */
  #parseFields(lines: string[], from: number, where: string): string[] {
    const out: string[] = [];
    if (lines.length - from > this.#maxHeaderCount) {
      throw new MalformedResponseError(`more than ${this.#maxHeaderCount} fields in the ${where}`);
    }
    for (let i = from; i < lines.length; i++) {
      const line = lines[i] as string;
      const first = line.charCodeAt(0);
      if ((first === 0x20 || first === 0x09) && out.length > 0) {
        const folded = line.trim();
        if (/[\x00-\x08\x0a-\x1f\x7f]/.test(folded))
          throw new MalformedResponseError(`a control byte in the ${where}`);
        out[out.length - 1] = `${out[out.length - 1]} ${folded}`;
        continue;
      }
      const m = FIELD_LINE.exec(line);
      if (m === null) {
        throw new MalformedResponseError(
          `bad field line ${JSON.stringify(line.slice(0, 80))} in the ${where}`,
        );
      }
      out.push(m[1] as string, m[2] as string);
    }
    return out;
  }

  /** Collects one CRLF-ended line (at most `max` bytes with its CRLF) and hands it to `done`. */
  #feedLine(data: Buffer, at: number, max: number, what: string, done: (line: string) => void): number {
    let buf = data;
    let from = at;
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, data.subarray(at)]);
      from = 0;
    }
    const lf = buf.indexOf(CRLF, from);
    if (lf < 0) {
      if (buf.length - from >= max) throw new MalformedResponseError(`${what} longer than ${max} bytes`);
      this.#pending = Buffer.from(buf.subarray(from));
      return data.length;
    }
    if (lf + 2 - from > max) throw new MalformedResponseError(`${what} longer than ${max} bytes`);
    const consumed = buf === data ? lf + 2 : at + lf + 2 - (buf.length - (data.length - at));
    this.#pending = null;
    done(buf.toString('latin1', from, lf));
    return consumed;
  }

  #onChunkSize = (line: string): void => {
    const m = CHUNK_SIZE.exec(line);
    if (m === null)
      throw new MalformedResponseError(`bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
    const size = Number.parseInt(m[1] as string, 16);
    if (size === 0) {
      this.#state = 'trailer';
      return;
    }
    this.#remaining = size;
    this.#state = 'chunk-data';
  };

  /** The trailer section: fields up to an empty line (checked, then dropped). */
  #feedTrailer(data: Buffer, at: number): number {
    let buf = data;
    let from = at;
    if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, data.subarray(at)]);
      from = 0;
    }
    // The trailer is empty (CRLF right away) or ends with CRLF CRLF.
    let endAt: number;
    let endLen: number;
    if (buf.length - from >= 2 && buf[from] === 0x0d && buf[from + 1] === 0x0a) {
      endAt = from;
      endLen = 2;
    } else {
      endAt = buf.indexOf(HEAD_END, from);
      endLen = 4;
      if (endAt < 0) {
        if (buf.length - from > this.#maxHeaderBytes) this.#tooLarge('trailer');
        this.#pending = Buffer.from(buf.subarray(from));
        return data.length;
      }
    }
    const consumed = buf === data ? endAt + endLen : at + endAt + endLen - (buf.length - (data.length - at));
    this.#pending = null;
    if (endLen === 4) this.#parseFields(buf.toString('latin1', from, endAt).split('\r\n'), 0, 'trailer');
    this.#state = 'idle';
    this.#ended = true;
    return consumed;
  }

  #tooLarge(what: string): never {
    throw new MalformedResponseError(
      `the ${what} is larger than ${this.#maxHeaderBytes} bytes (maxHeaderBytes)`,
    );
  }
}

/** Merges a Content-Length field into the value seen so far (-1: none yet). */
function mergeLength(seen: number, value: string): number {
  let out = seen;
  for (const part of value.split(',')) {
    const v = part.trim();
    if (!DIGITS.test(v))
      throw new MalformedResponseError(`Content-Length ${JSON.stringify(value)} is not a number`);
    const n = Number(v);
    if (out >= 0 && out !== n)
      throw new MalformedResponseError(`two different Content-Lengths (${out} and ${n})`);
    out = n;
  }
  return out;
}
