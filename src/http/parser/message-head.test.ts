// parseHead's hostIndex: where the one Host field of a request is (ServerRequest.url reads it
// without searching the fields again), −1 without one; two are rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpParseError } from './http-parse-error.ts';
import { DEFAULT_LIMITS, parseHead } from './message-head.ts';

const head = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  return parseHead(b, b.length, 'request', DEFAULT_LIMITS);
};

test('hostIndex: the Host field, wherever it is; −1 when there is none', () => {
  const a = head('GET / HTTP/1.1\r\nHost: a.example\r\n\r\n');
  assert.equal(a.hostIndex, 0);
  assert.equal(a.headers.value(a.hostIndex), 'a.example');
  const b = head('GET / HTTP/1.1\r\nAccept: */*\r\nUser-Agent: t\r\nhOsT:  b.example \r\n\r\n');
  assert.equal(b.hostIndex, 2);
  assert.equal(b.headers.value(b.hostIndex), 'b.example');
  assert.equal(head('GET / HTTP/1.0\r\nAccept: */*\r\n\r\n').hostIndex, -1);
  assert.throws(
    () => head('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'),
    (e: unknown) => e instanceof HttpParseError && e.reason === 'DUPLICATE_HOST',
  );
});
