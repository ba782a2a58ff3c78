// LineReceiver with MAX_LENGTH raised: a long line stays linear (issue 9, defect 7, found in the
// Twisted style too). Before, every chunk was joined to the whole buffer (Buffer.concat), so a
// 2 MiB line in 16 KiB chunks copied ~137 MB. Fed by hand: no loop, no descriptors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReceiver } from './line-receiver.ts';

const LINE_BYTES = 2 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024;

class Collect extends LineReceiver {
  lines: Buffer[] = [];
  override lineReceived(line: Buffer) {
    this.lines.push(line);
  }
}

test('a 2 MiB line in 16 KiB chunks, MAX_LENGTH raised: no whole-buffer join per chunk', () => {
  const r = new Collect();
  r.delimiter = '\n';
  r.MAX_LENGTH = 8 * 1024 * 1024;
  const concat = Buffer.concat;
  let joined = 0;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const out = concat(list, total);
    joined += out.length;
    return out;
  }) as typeof Buffer.concat;
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES, 0x61);
    for (let off = 0; off < LINE_BYTES; off += CHUNK_BYTES) r.dataReceived(chunk);
    r.dataReceived(Buffer.from('\nsecond\nthi'));
    r.dataReceived(Buffer.from('rd\n'));
  } finally {
    Buffer.concat = concat;
  }
  assert.deepEqual(
    r.lines.map((l) => l.length),
    [LINE_BYTES, 6, 5],
  );
  assert.equal(r.lines[1]?.toString(), 'second');
  assert.equal(r.lines[2]?.toString(), 'third');
  assert.ok(joined <= 2 * LINE_BYTES, `Buffer.concat copied ${joined} bytes for a ${LINE_BYTES}-byte line`);
});
