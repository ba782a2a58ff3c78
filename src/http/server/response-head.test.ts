// Response heads: fields from every input shape, framing fields taken over by the server, and
// no way to split a response with CR/LF/NUL in a field (typed error instead).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpDate } from './http-date.ts';
import { type HeaderInput, headString, serializeFields, serializeTrailers } from './response-head.ts';

test('records, iterables and Headers serialize alike; arrays repeat a field', () => {
  assert.equal(
    serializeFields({ 'X-A': '1', 'set-cookie': ['a=1', 'b=2'] }).lines,
    'X-A: 1\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n',
  );
  assert.equal(serializeFields([['x-a', '1']]).lines, 'x-a: 1\r\n');
  assert.equal(serializeFields(new Headers({ 'X-A': '1' })).lines, 'x-a: 1\r\n');
});

test('Content-Length, Transfer-Encoding and Connection are the server’s to write', () => {
  const f = serializeFields({
    'Content-Length': '5',
    'Transfer-Encoding': 'chunked',
    Connection: 'keep-alive, close',
  });
  assert.deepEqual(f, {
    lines: '',
    contentLength: 5,
    close: true,
    hasDate: false,
    hasTrailer: false,
    framingNames: ['Transfer-Encoding', 'Connection'],
  });
  const head = headString(200, f, 'length', 5, false, 1);
  assert.match(head, /^HTTP\/1\.1 200 OK\r\nDate: .+ GMT\r\nContent-Length: 5\r\nConnection: close\r\n\r\n$/);
  assert.match(
    headString(204, serializeFields(undefined), 'none', 0, true, 0),
    /Connection: keep-alive\r\n\r\n$/,
  );
});

test('checked fields (a LightResponse snapshot) still give framing fields to the server', () => {
  const pairs: [string, string][] = [
    ['Content-Type', 'text/plain'],
    ['content-length', '5'],
    ['CONNECTION', 'close'],
    ['Date', 'x'],
    ['Trailer', 'X-Sum'],
    ['Transfer-Encoding', 'chunked'],
  ];
  assert.deepEqual(serializeFields(pairs, true), {
    lines: 'Content-Type: text/plain\r\nDate: x\r\nTrailer: X-Sum\r\n',
    contentLength: 5,
    close: true,
    hasDate: true,
    hasTrailer: true,
    framingNames: ['CONNECTION', 'Transfer-Encoding'],
  });
  assert.deepEqual(serializeFields(pairs, true), serializeFields(pairs), 'as unchecked, for valid input');
  // Only checking is skipped (the caller validated): a bad Content-Length is still refused.
  assert.throws(
    () => serializeFields([['content-length', 'x']], true),
    (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
  );
});

test('status lines: the reason phrase, or none for a code without one, the same each time', () => {
  for (let i = 0; i < 2; i++) {
    assert.match(headString(200, serializeFields(undefined), 'length', 0, true, 1), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(
      headString(404, serializeFields(undefined), 'length', 0, true, 1),
      /^HTTP\/1\.1 404 Not Found\r\n/,
    );
    assert.match(
      headString(299, serializeFields(undefined), 'length', 0, true, 1),
      /^HTTP\/1\.1 299 \r\nDate/,
    );
    assert.match(headString(999, serializeFields(undefined), 'length', 0, true, 1), /^HTTP\/1\.1 999 \r\n/);
  }
});

test('CR, LF or NUL in a value, or a bad name, is an InvalidArgumentError', () => {
  const bads: HeaderInput[] = [
    { 'x-a': 'v\r\nInjected: 1' },
    { 'x-a': 'v\n' },
    { 'x-a': 'a\0' },
    { 'bad name': 'v' },
    { '': 'v' },
    { 'content-length': '-1' },
    [['x-a', 'v\r\n']],
    [['bad name', 'v']],
  ];
  for (const bad of bads) {
    assert.throws(
      () => serializeFields(bad),
      (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
    );
  }
});

test('trailer fields: serialized with their names; framing and routing fields refused', () => {
  assert.deepEqual(serializeTrailers({ 'X-Sum': '5', 'grpc-status': '0' }), {
    lines: 'X-Sum: 5\r\ngrpc-status: 0\r\n',
    names: ['X-Sum', 'grpc-status'],
  });
  for (const bad of [
    { 'Content-Length': '1' },
    { 'transfer-encoding': 'chunked' },
    { Connection: 'close' },
    { Trailer: 'x' },
    { Host: 'h' },
    { 'Content-Type': 'text/plain' },
    { 'x-a': 'v\r\n' },
  ]) {
    assert.throws(
      () => serializeTrailers(bad),
      (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
      JSON.stringify(bad),
    );
  }
  const head = headString(200, serializeFields(undefined), 'chunked', -1, true, 1, ['X-Sum']);
  assert.match(head, /\r\nTrailer: X-Sum\r\n/);
  assert.doesNotMatch(
    headString(200, serializeFields(undefined), 'length', 1, true, 1, ['X-Sum']),
    /Trailer/,
  );
});

test('the Date value is an IMF-fixdate, formatted once per second', () => {
  const a = httpDate(1_700_000_000_000);
  assert.equal(a, 'Tue, 14 Nov 2023 22:13:20 GMT');
  assert.equal(httpDate(1_700_000_000_999), a, 'same second, same string');
  assert.equal(httpDate(1_700_000_001_000), 'Tue, 14 Nov 2023 22:13:21 GMT');
});
