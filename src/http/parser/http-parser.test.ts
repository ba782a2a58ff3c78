// The HTTP/1.1 parser on whole inputs: every case of the request and response tables (RFC 9112
// rules, smuggling, limits), the events of valid messages, pausing, EOF, and the dead state.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpParseError } from './http-parse-error.ts';
import { HttpParser } from './http-parser.ts';
import { REQUEST_CASES } from './request-cases.ts';
import { RESPONSE_CASES } from './response-cases.ts';
import { EventRecorder, type ParserEvent, parsePieces } from './test-support.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const completes = (ev: ParserEvent[]): number => ev.filter((e) => e.type === 'complete').length;

describe('request cases', () => {
  for (const c of REQUEST_CASES) {
    test(`${c.name}: ${c.expect}`, () => {
      const ev = parsePieces('request', [b(c.input)], c.limits ?? {});
      const errors = ev.filter((e) => e.type === 'error');
      if (c.expect === 'ok') assert.deepEqual(errors, []);
      else {
        assert.equal(errors.length, 1, JSON.stringify(ev));
        assert.equal(ev.at(-1)?.type, 'error', 'nothing after the error');
        assert.equal((errors[0] as { reason: string }).reason, c.expect);
      }
      if (c.messages !== undefined) assert.equal(completes(ev), c.messages);
      else assert.equal(completes(ev), 0);
    });
  }
});

describe('response cases', () => {
  for (const c of RESPONSE_CASES) {
    test(`${c.name}: ${c.expect}`, () => {
      const ev = parsePieces('response', [b(c.input)], {}, c.eof === true);
      const errors = ev.filter((e) => e.type === 'error');
      if (c.expect === 'ok') assert.deepEqual(errors, []);
      else assert.equal((errors[0] as { reason: string } | undefined)?.reason, c.expect, JSON.stringify(ev));
      assert.equal(completes(ev), c.messages ?? 0);
    });
  }
});

test('statuses: 505, 414, 431, 413 and 400', () => {
  const status = (reason: string) => new HttpParseError(reason as 'BARE_CR', 'x').status;
  assert.equal(status('UNSUPPORTED_VERSION'), 505);
  assert.equal(status('REQUEST_LINE_TOO_LONG'), 414);
  assert.equal(status('HEADERS_TOO_LARGE'), 431);
  assert.equal(status('TOO_MANY_HEADERS'), 431);
  assert.equal(status('BODY_TOO_LARGE'), 413);
  const e = new HttpParseError('OBS_FOLD', 'x');
  assert.equal(e.status, 400);
  assert.equal(e.code, 'NBIO_HTTP_PARSE');
  assert.match(e.message, /OBS_FOLD/);
});

test('a request: head fields, body, trailers, framing and keep-alive', () => {
  const ev = parsePieces('request', [
    b(
      'POST /up?x=1 HTTP/1.1\r\nHost: h\r\nX-A:  v  \r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;e=1\r\nde\r\n0\r\nT: 9\r\n\r\n',
    ),
  ]);
  assert.deepEqual(ev, [
    {
      type: 'head',
      method: 'POST',
      target: '/up?x=1',
      status: 0,
      minor: 1,
      framing: 'chunked',
      keepAlive: true,
      expectContinue: false,
      headers: [
        ['Host', 'h'],
        ['X-A', 'v'],
        ['Transfer-Encoding', 'chunked'],
      ],
    },
    { type: 'body', text: 'abcde' },
    { type: 'trailers', fields: [['T', '9']] },
    { type: 'complete' },
  ]);
});

test('keep-alive: 1.1 unless close; 1.0 only with keep-alive; Expect only in 1.1', () => {
  const head = (s: string) => parsePieces('request', [b(s)])[0] as Extract<ParserEvent, { type: 'head' }>;
  assert.equal(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n').keepAlive, false);
  assert.equal(head('GET / HTTP/1.0\r\n\r\n').keepAlive, false);
  assert.equal(head('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive, true);
  assert.equal(head('GET / HTTP/1.1\r\nHost: a\r\n\r\n').keepAlive, true);
  assert.equal(head('GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n').keepAlive, true);
  assert.equal(head('PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n').expectContinue, true);
  assert.equal(head('PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n').expectContinue, false);
});

test('methods are as sent: the common ones and the rest, case kept', () => {
  const method = (m: string) =>
    (
      parsePieces('request', [b(`${m} / HTTP/1.1\r\nHost: a\r\n\r\n`)])[0] as Extract<
        ParserEvent,
        { type: 'head' }
      >
    ).method;
  for (const m of [
    'GET',
    'PUT',
    'POST',
    'HEAD',
    'get',
    'Post',
    'GETS',
    'PUTS',
    'POSTS',
    'PATCH',
    'M-SEARCH',
    'G',
  ])
    assert.equal(method(m), m);
});

test('a response to HEAD has no body whatever its Content-Length says', () => {
  const rec = new EventRecorder();
  rec.noBody = true;
  const p = new HttpParser('response', rec);
  p.execute(b('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'));
  assert.deepEqual(
    rec.events.map((e) => e.type),
    ['head', 'complete'],
  );
  assert.ok(p.isIdle);
});

test('pause in onMessageComplete keeps the next request until resume', () => {
  const rec = new EventRecorder();
  const p = new HttpParser('request', {
    onHead: (h) => rec.onHead(h),
    onBody: (c) => rec.onBody(c),
    onMessageComplete: () => {
      rec.onMessageComplete();
      p.pause();
    },
    onError: (e) => rec.onError(e),
  });
  p.execute(b('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3'));
  assert.equal(completes(rec.events), 1);
  assert.ok(p.isPaused);
  p.execute(b(' HTTP/1.1\r\nHost: a\r\n\r\n'));
  assert.equal(completes(rec.events), 1, 'input while paused is only kept');
  p.resume();
  assert.equal(completes(rec.events), 2);
  p.resume();
  assert.equal(completes(rec.events), 3);
  assert.deepEqual(
    rec.events.filter((e) => e.type === 'head').map((e) => (e as { target: string }).target),
    ['/1', '/2', '/3'],
  );
});

test('finish(): clean between messages, INCOMPLETE_MESSAGE in the middle of one', () => {
  assert.deepEqual(parsePieces('request', [b('GET / HTTP/1.1\r\nHost: a\r\n\r\n')], {}, true).at(-1), {
    type: 'complete',
  });
  assert.deepEqual(
    parsePieces('request', [b('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab')], {}, true).at(-1),
    {
      type: 'error',
      reason: 'INCOMPLETE_MESSAGE',
      status: 400,
    },
  );
});

test('after an error the parser is dead and reports once', () => {
  const rec = new EventRecorder();
  const p = new HttpParser('request', rec);
  p.execute(b('GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n'));
  p.execute(b('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
  p.finish();
  assert.ok(p.isDead);
  assert.deepEqual(rec.events, [{ type: 'error', reason: 'WHITESPACE_BEFORE_COLON', status: 400 }]);
});

test('body slices are views of the input, not copies', () => {
  const input = b('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody');
  const seen: Buffer[] = [];
  const p = new HttpParser('request', {
    onHead() {},
    onBody: (c) => seen.push(c),
    onMessageComplete() {},
    onError: (e) => assert.fail(e),
  });
  p.execute(input);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.buffer, input.buffer);
});

test('a handler that throws: the error propagates out of execute()', () => {
  const p = new HttpParser('request', {
    onHead() {
      throw new TypeError('boom');
    },
    onBody() {},
    onMessageComplete() {},
    onError() {},
  });
  assert.throws(() => p.execute(b('GET / HTTP/1.1\r\nHost: a\r\n\r\n')), TypeError);
});
