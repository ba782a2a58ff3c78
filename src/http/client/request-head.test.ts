import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMethod, checkUrl, classifyBody, flattenHeaders, serializeHead } from './request-head.ts';

test('the head: request line, Host first, caller fields as given, framing chosen by the client', () => {
  const url = checkUrl('http://example.test:8080/a/b?x=1#frag');
  const head = serializeHead({
    method: 'POST',
    url,
    fields: flattenHeaders({ 'X-Id': '7', 'Content-Length': '999', accept: ['a/b', 'c/d'] }),
    contentLength: 5,
    defaultContentType: 'text/plain;charset=UTF-8',
  });
  assert.equal(
    head,
    'POST /a/b?x=1 HTTP/1.1\r\nhost: example.test:8080\r\nX-Id: 7\r\naccept: a/b\r\naccept: c/d\r\n' +
      'content-type: text/plain;charset=UTF-8\r\ncontent-length: 5\r\n\r\n',
  );
  const chunked = serializeHead({
    method: 'PUT',
    url: checkUrl('http://[::1]/'),
    fields: flattenHeaders([
      ['Host', 'other'],
      ['Content-Type', 'x/y'],
    ]),
    contentLength: -1,
    defaultContentType: null,
  });
  assert.equal(
    chunked,
    'PUT / HTTP/1.1\r\nHost: other\r\nContent-Type: x/y\r\ntransfer-encoding: chunked\r\n\r\n',
  );
  const get = serializeHead({
    method: 'GET',
    url: checkUrl('http://h/'),
    fields: [],
    contentLength: null,
    defaultContentType: null,
  });
  assert.equal(get, 'GET / HTTP/1.1\r\nhost: h\r\n\r\n');
});

test('methods: tokens only; fetch normalizes six names; CONNECT and TRACE are refused', () => {
  assert.equal(checkMethod('post'), 'POST');
  assert.equal(checkMethod('patch'), 'patch', 'fetch leaves other methods as given');
  assert.equal(checkMethod('PROPFIND'), 'PROPFIND');
  assert.throws(() => checkMethod('GE T'), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(() => checkMethod(''), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(() => checkMethod('CONNECT'), { code: 'NBIO_UNSUPPORTED' });
  assert.throws(() => checkMethod('trace'), { code: 'NBIO_UNSUPPORTED' });
});

test('URLs: http only, no credentials, relative ones against a base', () => {
  assert.equal(checkUrl('/x', 'http://h:1/a').href, 'http://h:1/x');
  assert.throws(() => checkUrl('https://h/'), { code: 'NBIO_UNSUPPORTED' });
  assert.throws(() => checkUrl('ftp://h/'), { code: 'NBIO_UNSUPPORTED' });
  assert.throws(() => checkUrl('http://u:p@h/'), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(() => checkUrl('::'), { code: 'NBIO_INVALID_ARGUMENT' });
});

test('fields: no CR, LF or NUL in a value (no header injection), names must be tokens', () => {
  assert.deepEqual(flattenHeaders({ a: ' padded ', n: 3 as unknown as string, skip: undefined }), [
    'a',
    'padded',
    'n',
    '3',
  ]);
  assert.deepEqual(flattenHeaders(new Headers({ 'X-A': '1' })), ['x-a', '1']);
  assert.throws(() => flattenHeaders({ a: 'x\r\nInjected: 1' }), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(() => flattenHeaders({ a: 'x\ny' }), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(() => flattenHeaders({ a: 'x\0' }), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(
    () => flattenHeaders({ a: 'snow ☃' }),
    { code: 'NBIO_INVALID_ARGUMENT' },
    'not a byte string',
  );
  assert.deepEqual(flattenHeaders({ a: 'café' }), ['a', 'café'], 'latin1 is bytes');
  assert.throws(() => flattenHeaders({ 'bad name': 'x' }), { code: 'NBIO_INVALID_ARGUMENT' });
  assert.throws(() => flattenHeaders([['only-one']] as unknown as [string, string][]), {
    code: 'NBIO_INVALID_ARGUMENT',
  });
});

test('bodies: bytes are measured, streams and iterables are pulled', () => {
  assert.deepEqual(classifyBody(undefined), { kind: 'none' });
  const s = classifyBody('héllo');
  assert.equal(s.kind === 'bytes' && s.bytes.length, 6);
  assert.equal(s.kind === 'bytes' && s.contentType, 'text/plain;charset=UTF-8');
  const view = classifyBody(new Uint16Array([1, 2]));
  assert.equal(view.kind === 'bytes' && view.bytes.length, 4);
  const form = classifyBody(new URLSearchParams({ a: 'b c' }));
  assert.equal(form.kind === 'bytes' && form.bytes.toString(), 'a=b+c');
  assert.equal(classifyBody(new ReadableStream()).kind, 'stream');
  assert.equal(classifyBody(['a', 'b']).kind, 'stream');
  assert.throws(() => classifyBody(42 as unknown as string), { code: 'NBIO_INVALID_ARGUMENT' });
});
