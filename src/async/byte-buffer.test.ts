// ByteBuffer: takes within one chunk are views, takes across chunks copy, searches find a
// needle split between chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBuffer } from './byte-buffer.ts';

test('take within a chunk is zero-copy; across chunks it copies', () => {
  const b = new ByteBuffer();
  const c1 = Buffer.from('hello ');
  b.push(c1);
  b.push(Buffer.alloc(0));
  b.push(Buffer.from('world'));
  assert.equal(b.length, 11);
  const he = b.take(2);
  assert.equal(he.toString(), 'he');
  assert.equal(he.buffer, c1.buffer, 'a view of the chunk');
  assert.equal(b.take(6).toString(), 'llo wo');
  assert.equal(b.length, 3);
  assert.equal(b.take(0).length, 0);
  assert.equal(b.takeAll().toString(), 'rld');
  assert.equal(b.length, 0);
  assert.equal(b.indexOf(Buffer.from('x')), -1);
});

test('indexOf finds a delimiter split across chunks, from an offset', () => {
  const b = new ByteBuffer();
  for (const s of ['ab\r', '\ncd', '\r', '\n']) b.push(Buffer.from(s));
  const crlf = Buffer.from('\r\n');
  assert.equal(b.indexOf(crlf), 2);
  assert.equal(b.indexOf(crlf, 3), 6);
  assert.equal(b.take(4).toString(), 'ab\r\n');
  assert.equal(b.indexOf(crlf), 2);
});
