import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MalformedResponseError } from './client-errors.ts';
import { ResponseDecoder, type ResponseHead } from './response-decoder.ts';

/** Everything a decoder reported, as one comparable record. */
interface Outcome {
  heads: Omit<ResponseHead, 'rawHeaders'>[];
  headers: string[][];
  body: string;
  trailers: string[][];
  ends: boolean[];
  error: string | null;
  eofClean: boolean | null;
}

function decode(method: string, pieces: Buffer[], eof = false): Outcome {
  const out: Outcome = {
    heads: [],
    headers: [],
    body: '',
    trailers: [],
    ends: [],
    error: null,
    eofClean: null,
  };
  const d = new ResponseDecoder({
    onHead: (h) => {
      const { rawHeaders, ...rest } = h;
      out.heads.push(rest);
      out.headers.push(rawHeaders);
    },
    onBody: (c) => {
      out.body += c.toString('latin1');
    },
    onTrailers: (t) => out.trailers.push(t),
    onEnd: (r) => out.ends.push(r),
  });
  d.expect(method);
  try {
    for (const p of pieces) d.feed(p);
    if (eof) out.eofClean = d.eof();
  } catch (err) {
    assert.ok(err instanceof MalformedResponseError, String(err));
    assert.equal(err.code, 'NBIO_HTTP_MALFORMED_RESPONSE');
    out.error = (err.cause as { reason?: string } | undefined)?.reason ?? err.message;
  }
  return out;
}

/** Feeds `text` whole, at every split point, and byte by byte: the outcomes must be equal. */
function decodeEverySplit(method: string, text: string, eof = false): Outcome {
  const bytes = Buffer.from(text, 'latin1');
  const whole = decode(method, [bytes], eof);
  for (let i = 1; i < bytes.length; i++) {
    const split = decode(method, [bytes.subarray(0, i), bytes.subarray(i)], eof);
    assert.deepEqual(split, whole, `split at ${i} of ${JSON.stringify(text)}`);
  }
  const single = decode(
    method,
    [...bytes].map((b) => Buffer.from([b])),
    eof,
  );
  assert.deepEqual(single, whole, `byte by byte: ${JSON.stringify(text)}`);
  return whole;
}

test('Content-Length body, keep-alive', () => {
  const o = decodeEverySplit('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b c \r\n\r\nhello');
  assert.equal(o.error, null);
  assert.equal(o.body, 'hello');
  assert.deepEqual(o.ends, [true]);
  assert.deepEqual(o.headers, [['Content-Length', '5', 'X-A', 'b c']]);
  assert.equal(o.heads[0]?.status, 200);
  assert.equal(o.heads[0]?.statusText, 'OK');
  assert.equal(o.heads[0]?.framing, 'length');
});

test('chunked body with extensions and trailer fields', () => {
  const o = decodeEverySplit(
    'GET',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n',
  );
  assert.equal(o.error, null);
  assert.equal(o.body, 'hello 0123456789');
  assert.deepEqual(o.trailers, [['X-T', '1']]);
  assert.deepEqual(o.ends, [true]);
});

test('chunked body with an empty trailer', () => {
  const o = decodeEverySplit(
    'GET',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  );
  assert.equal(o.body, 'abc');
  assert.deepEqual(o.trailers, [], 'an empty trailer section reports none');
  assert.deepEqual(o.ends, [true]);
});

test('interim 1xx heads are skipped; 204, 304 and HEAD end with the head', () => {
  const o = decodeEverySplit(
    'GET',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  );
  assert.equal(o.heads.length, 1);
  assert.equal(o.body, 'ok');
  for (const status of [204, 304]) {
    const r = decodeEverySplit('GET', `HTTP/1.1 ${status} X\r\n\r\n`);
    assert.deepEqual(r.ends, [true]);
    assert.equal(r.heads[0]?.framing, 'none');
  }
  const head = decodeEverySplit('HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
  assert.deepEqual(head.ends, [true]);
  assert.equal(head.body, '');
});

test('a body framed by the close of the connection; HTTP/1.0 keep-alive rules', () => {
  const o = decodeEverySplit('GET', 'HTTP/1.1 200 OK\r\n\r\nuntil the end', true);
  assert.equal(o.body, 'until the end');
  assert.deepEqual(o.ends, [false]);
  assert.equal(o.eofClean, true);
  const h10 = decodeEverySplit('GET', 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx');
  assert.deepEqual(h10.ends, [false], 'HTTP/1.0 closes unless keep-alive is asked');
  const h10ka = decodeEverySplit(
    'GET',
    'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx',
  );
  assert.deepEqual(h10ka.ends, [true]);
  const close = decodeEverySplit('GET', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx');
  assert.deepEqual(close.ends, [false]);
});

test("the server's Keep-Alive timeout hint", () => {
  const hinted = decodeEverySplit(
    'GET',
    'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n',
  );
  assert.equal(hinted.heads[0]?.keepAliveHintMs, 5000);
  const none = decodeEverySplit('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  assert.equal(none.heads[0]?.keepAliveHintMs, -1);
  const closing = decodeEverySplit(
    'GET',
    'HTTP/1.1 200 OK\r\nConnection: close\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n',
  );
  assert.equal(closing.heads[0]?.keepAliveHintMs, -1, 'no hint for a connection that closes');
});

test('obs-fold is refused (the shared parser is strict; RFC 9112 §5.2 allows either)', () => {
  const o = decodeEverySplit('GET', 'HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n');
  assert.equal(o.error, 'OBS_FOLD');
});

test('bytes behind a complete response make the connection not reusable', () => {
  const o = decode('GET', [Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n')]);
  assert.deepEqual(o.ends, [false]);
  assert.equal(o.error, null);
});

test('a response cut short is reported by eof()', () => {
  const o = decode('GET', [Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], true);
  assert.equal(o.eofClean, false);
  const none = new ResponseDecoder({ onHead() {}, onBody() {}, onEnd() {} });
  none.expect('GET');
  assert.equal(none.hasStarted, false);
  assert.equal(none.eof(), false);
});

/** Each malformed response, and the parser's `reason` for refusing it. */
const MALFORMED: [string, string][] = [
  ['HTTP/2.0 200 OK\r\n\r\n', 'UNSUPPORTED_VERSION'],
  ['HTTP/1.1 20 OK\r\n\r\n', 'INVALID_STATUS_LINE'],
  ['HTTP/1.1 200 O\x00K\r\n\r\n', 'INVALID_STATUS_LINE'],
  ['ICY 200 OK\r\n\r\n', 'INVALID_VERSION'],
  ['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', 'WHITESPACE_BEFORE_COLON'],
  ['HTTP/1.1 200 OK\r\nName : x\r\n\r\n', 'WHITESPACE_BEFORE_COLON'],
  ['HTTP/1.1 200 OK\r\nName: a\rb\r\n\r\n', 'BARE_CR'],
  ['HTTP/1.1 200 OK\r\nName: a\x00b\r\n\r\n', 'INVALID_HEADER_VALUE'],
  [
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    'CONTENT_LENGTH_AND_TRANSFER_ENCODING',
  ],
  ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx', 'CONFLICTING_CONTENT_LENGTH'],
  ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
  ['HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'INVALID_CHUNK_SIZE'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n', 'CHUNK_SIZE_OVERFLOW'],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 'MISSING_CHUNK_CRLF'],
  [
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nBad Trailer\r\n\r\n',
    'WHITESPACE_BEFORE_COLON',
  ],
];

test('malformed responses are refused with NBIO_HTTP_MALFORMED_RESPONSE, however split', () => {
  for (const [text, words] of MALFORMED) {
    const o = decodeEverySplit('GET', text);
    assert.equal(o.error, words, JSON.stringify(text));
  }
});

test('equal repeated Content-Lengths count as one', () => {
  const o = decodeEverySplit('GET', 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab');
  assert.equal(o.body, 'ab');
});

test('limits: head size and field count', () => {
  const d = new ResponseDecoder(
    { onHead() {}, onBody() {}, onEnd() {} },
    { maxHeaderBytes: 64, maxHeaderCount: 2 },
  );
  d.expect('GET');
  assert.throws(() => d.feed(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(100)}`)), /HEADERS_TOO_LARGE/);
  const c = new ResponseDecoder({ onHead() {}, onBody() {}, onEnd() {} }, { maxHeaderCount: 2 });
  c.expect('GET');
  assert.throws(
    () => c.feed(Buffer.from('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n')),
    /TOO_MANY_HEADERS/,
  );
});

test('bytes when no response is expected are malformed', () => {
  const d = new ResponseDecoder({ onHead() {}, onBody() {}, onEnd() {} });
  assert.throws(() => d.feed(Buffer.from('x')), MalformedResponseError);
});
