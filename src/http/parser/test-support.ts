/**
 * Test helpers of the parser suites: a handler that records events in a form that does not
 * depend on how the input was split (adjacent body pieces are merged), and feeding helpers.
 *
 * @module
 */
import type { HeaderList } from './header-list.ts';
import type { HttpParseError } from './http-parse-error.ts';
import { HttpParser, type HttpParserHandler } from './http-parser.ts';
import type { HttpLimits, MessageHead, MessageKind } from './message-head.ts';

/** One recorded event. */
export type ParserEvent =
  | {
      type: 'head';
      method: string;
      target: string;
      status: number;
      minor: number;
      framing: string;
      keepAlive: boolean;
      expectContinue: boolean;
      headers: [string, string][];
    }
  | { type: 'body'; text: string }
  | { type: 'trailers'; fields: [string, string][] }
  | { type: 'complete' }
  | { type: 'error'; reason: string; status: number };

/** Records every event; body pieces in a row are merged into one. */
export class EventRecorder implements HttpParserHandler {
  readonly events: ParserEvent[] = [];
  /** When set, returned from onHead (a response to HEAD). */
  noBody = false;

  onHead(head: MessageHead): boolean {
    this.events.push({
      type: 'head',
      method: head.method,
      target: head.target,
      status: head.status,
      minor: head.versionMinor,
      framing: head.framing,
      keepAlive: head.keepAlive,
      expectContinue: head.expectContinue,
      headers: [...head.headers],
    });
    return this.noBody;
  }

  onBody(chunk: Buffer): void {
    const last = this.events.at(-1);
    const text = chunk.toString('latin1');
    if (last?.type === 'body') last.text += text;
    else this.events.push({ type: 'body', text });
  }

  onTrailers(trailers: HeaderList): void {
    this.events.push({ type: 'trailers', fields: [...trailers] });
  }

  onMessageComplete(): void {
    this.events.push({ type: 'complete' });
  }

  onError(error: HttpParseError): void {
    this.events.push({ type: 'error', reason: error.reason, status: error.status });
  }
}

/** Parses `pieces` in order (each a fresh Buffer), then signals EOF when `eof` is true. */
export function parsePieces(
  kind: MessageKind,
  pieces: readonly Buffer[],
  limits: HttpLimits = {},
  eof = false,
): ParserEvent[] {
  const rec = new EventRecorder();
  const parser = new HttpParser(kind, rec, limits);
  for (const p of pieces) parser.execute(Buffer.from(p));
  if (eof) parser.finish();
  return rec.events;
}

/** The input split into two at `at`. */
export function splitAt(input: Buffer, at: number): Buffer[] {
  return [input.subarray(0, at), input.subarray(at)];
}

/** The input cut into random pieces of 1..maxBytes bytes, from a seeded generator. */
export function randomPieces(input: Buffer, seed: number, maxBytes: number): Buffer[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = 1 + Math.floor(next() * maxBytes);
    out.push(input.subarray(i, i + n));
    i += n;
  }
  return out;
}
