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

test('a delimiter split across three one-byte chunks and across a chunk boundary is found once', () => {
  const b = new ByteBuffer();
  for (const s of ['x', '-', '-', '-', 'y']) b.push(Buffer.from(s));
  assert.equal(b.indexOf(Buffer.from('---')), 1);
  assert.equal(b.indexOf(Buffer.from('--y')), 2);
  assert.equal(b.indexOf(Buffer.from('---'), 2), -1);
  assert.equal(b.indexOf(Buffer.from('xy')), -1);
  assert.equal(b.indexOf(Buffer.from('x--')), 0);
  assert.equal(b.indexOf(Buffer.from('y'), 4), 4);
  assert.equal(b.indexOf(Buffer.from('y'), 5), -1);
});

test('resumed searches scan each byte a bounded number of times (no whole-buffer concat)', () => {
  // What StreamReader.readUntil does while a long line arrives: push a chunk, search from where
  // a delimiter could still begin. 2,000 chunks of 1 KiB; the quadratic version scanned ~2 GB.
  const b = new ByteBuffer();
  const sep = Buffer.from('\r\n');
  const chunk = Buffer.alloc(1024, 0x61);
  let from = 0;
  for (let i = 0; i < 2000; i++) {
    b.push(chunk);
    assert.equal(b.indexOf(sep, from), -1);
    from = Math.max(0, b.length - sep.length + 1);
  }
  b.push(Buffer.from('\r'));
  assert.equal(b.indexOf(sep, from), -1);
  from = Math.max(0, b.length - sep.length + 1);
  b.push(Buffer.from('\ntail'));
  assert.equal(b.indexOf(sep, from), 2000 * 1024);
  const total = b.length;
  assert.ok(b.bytesScanned <= 2 * total, `scanned ${b.bytesScanned} bytes for ${total} buffered`);
  const line = b.take(2000 * 1024 + 2);
  assert.equal(line.length, 2000 * 1024 + 2);
  assert.equal(line.subarray(-2).toString(), '\r\n');
  assert.equal(b.takeAll().toString(), 'tail');
});
