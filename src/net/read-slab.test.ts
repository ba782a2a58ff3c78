// The read slab (issue 14): large reads are copied into views of a shared 256 KiB slab, small
// ones into Node's pool. Each copy holds its own bytes whatever is read after it (a protocol may
// keep every Buffer it is given), views are 8-byte aligned and never overlap, and a full slab is
// followed by a new one. Every backend delivers a kept transfer intact through it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  forEachBackend,
  pattern,
  Recorder,
  transferTo,
} from '../../test/integration/fixtures/net-harness.ts';
import { copyRead, READ_SLAB_BYTES, READ_SLAB_MIN_BYTES } from './read-slab.ts';
import { READ_BUFFER_SIZE, SocketTransport } from './socket-transport.ts';

describe('copyRead', () => {
  test('large reads share a slab, aligned and apart; a kept copy survives later reads', () => {
    const source = Buffer.alloc(READ_BUFFER_SIZE);
    const kept: { copy: Buffer; fill: number }[] = [];
    let length = READ_SLAB_MIN_BYTES + 3; // odd lengths: the next view is still aligned
    for (let i = 0; i < 12; i++) {
      source.fill(i + 1, 0, length);
      const copy = copyRead(source, length);
      assert.equal(copy.length, length);
      assert.equal(copy.byteOffset % 8, 0, 'views start at multiples of 8 bytes');
      kept.push({ copy, fill: i + 1 });
      length = Math.min(READ_BUFFER_SIZE, length * 2 + 1);
    }
    for (const { copy, fill } of kept)
      assert.ok(
        copy.every((b) => b === fill),
        `copy ${fill} intact`,
      );
    const slabs = new Set(kept.map((k) => k.copy.buffer));
    assert.ok(slabs.size > 1, 'a full slab was followed by a new one');
    assert.ok(slabs.size < kept.length, 'several reads shared a slab');
    for (const slab of slabs) assert.equal(slab.byteLength, READ_SLAB_BYTES);
  });

  test('a small read is a copy of its own (Node pool), not a slab view', () => {
    const source = Buffer.from('hello, world');
    const copy = copyRead(source, 5);
    assert.equal(copy.toString(), 'hello');
    source.fill(0);
    assert.equal(copy.toString(), 'hello', 'a copy, not a view of the source');
    assert.notEqual(copy.buffer.byteLength, READ_SLAB_BYTES);
  });

  test('reads of the same length and of changing lengths each copy what the source holds then', () => {
    const source = Buffer.alloc(READ_BUFFER_SIZE);
    const lengths = [64, 64, 64, 300, 64, READ_SLAB_MIN_BYTES, READ_SLAB_MIN_BYTES, 1, 64];
    const kept = lengths.map((length, i) => {
      source.fill(i + 1, 0, length);
      return { copy: copyRead(source, length), fill: i + 1, length };
    });
    for (const { copy, fill, length } of kept) {
      assert.equal(copy.length, length);
      assert.ok(
        copy.every((b) => b === fill),
        `copy ${fill} (${length} B) holds its own bytes`,
      );
    }
    const other = Buffer.from('another source');
    assert.equal(copyRead(other, 7).toString(), 'another', 'another source of a length seen before');
    assert.equal(
      copyRead(source, 64).every((b) => b === lengths.length),
      true,
      'the first source again',
    );
  });
});

forEachBackend('kept reads', (backend) => {
  test('a protocol that keeps every Buffer it is given has the transfer intact', async () => {
    const sent = pattern(6 * READ_BUFFER_SIZE + 123, 9);
    const errors = await transferTo(
      backend,
      () => new Recorder(),
      sent,
      (s) => {
        assert.ok(s.data.equals(sent), 'every kept chunk holds its own bytes, in order');
        if (s.transport instanceof SocketTransport) {
          const large = s.chunks.filter((c) => c.length >= READ_SLAB_MIN_BYTES);
          for (const c of large) assert.equal(c.buffer.byteLength, READ_SLAB_BYTES, 'a slab view');
        }
      },
    );
    assert.deepEqual(errors, []);
  });
});
