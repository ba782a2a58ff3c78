// joinChunks: a Duplex _writev's chunks (strings with their encodings, Buffers) as what the
// socket sends — one buffer up to JOIN_MAX_BYTES (one send(2), not a writev(2) of several),
// each string encoded once and exactly as Buffer.from would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOIN_MAX_BYTES, joinChunks } from './socket-writer.ts';

test("small chunks become one buffer, each string in its own encoding (Node's http response shape)", () => {
  const chunks = [
    { chunk: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n', encoding: 'latin1' as const },
    { chunk: Buffer.from('hello world'), encoding: 'buffer' as BufferEncoding },
    { chunk: '\r\n', encoding: 'latin1' as const },
    { chunk: 'é✓', encoding: 'utf8' as const },
    { chunk: 'cafe', encoding: 'hex' as const },
    { chunk: '', encoding: 'latin1' as const },
  ];
  const out = joinChunks(chunks);
  assert.equal(out.length, 1);
  const expected = Buffer.concat(
    chunks.map(({ chunk, encoding }) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk)),
  );
  assert.deepEqual(out[0], expected);
});

test('past JOIN_MAX_BYTES the chunks stay separate (no copy of large data)', () => {
  const big = Buffer.alloc(JOIN_MAX_BYTES, 1);
  const out = joinChunks([
    { chunk: big, encoding: 'buffer' as BufferEncoding },
    { chunk: 'tail', encoding: 'utf8' },
  ]);
  assert.equal(out.length, 2);
  assert.equal(out[0], big, 'the same buffer, not a copy');
  assert.deepEqual(out[1], Buffer.from('tail'));
});

test('base64 that byteLength overcounts is sent as Buffer.from decodes it, no trailing bytes', () => {
  const dirty = 'aGVsbG8= \n';
  const out = joinChunks([
    { chunk: dirty, encoding: 'base64' },
    { chunk: '!', encoding: 'latin1' },
  ]);
  assert.deepEqual(out, [Buffer.concat([Buffer.from(dirty, 'base64'), Buffer.from('!')])]);
});
