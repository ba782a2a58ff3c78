// IOStream.readUntil on a long line stays linear (issue 9, defect 7, found in the Tornado style
// too): before, every chunk that arrived was joined to the whole buffer (Buffer.concat), so a
// line of n bytes in chunks of c copied about n²/2c bytes. Counted by watching Buffer.concat.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeTransport, withLoop } from '../../async/test-support.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { IOStream } from './io-stream.ts';

const LINE_BYTES = 2 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024;

for (const config of loopConfigs()) {
  describe(`IOStream long lines on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('a 2 MiB line in 16 KiB chunks: no whole-buffer join per chunk', async () => {
      await withLoop(config, async (loop) => {
        const transport = new FakeTransport(loop, { dataReceived() {} });
        const stream = new IOStream(transport, { maxBufferSize: 8 * 1024 * 1024 });
        const concat = Buffer.concat;
        let joined = 0;
        Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
          const out = concat(list, total);
          joined += out.length;
          return out;
        }) as typeof Buffer.concat;
        try {
          const line = stream.readUntil('\n');
          const chunk = Buffer.alloc(CHUNK_BYTES, 0x61);
          for (let off = 0; off < LINE_BYTES; off += CHUNK_BYTES) transport.receive(chunk);
          transport.receive('\nnext');
          const got = await line;
          assert.equal(got.length, LINE_BYTES + 1);
          assert.equal(got.at(-1), 0x0a);
        } finally {
          Buffer.concat = concat;
        }
        assert.ok(
          joined <= 2 * LINE_BYTES,
          `Buffer.concat copied ${joined} bytes for a ${LINE_BYTES}-byte line`,
        );
        assert.equal((await stream.readBytes(4)).toString(), 'next');
        stream.close();
      });
    });
  });
}
