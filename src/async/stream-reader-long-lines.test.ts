// readUntil with a raised limit stays linear (issue 9, defect 7): a line of several MiB arriving
// in small chunks is scanned a bounded number of times per byte, and the reader does not pause
// the transport at its own (smaller) limit while a read that allows more is waiting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventLoop } from '../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { StreamProtocol } from './stream-protocol.ts';
import { FakeTransport, loopConfigs, withLoop } from './test-support.ts';

const LINE_BYTES = 2 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024;

/** Feeds `line` + '\n' in chunks, one per loop turn, as a socket would. */
function feedLine(loop: EventLoop, transport: FakeTransport, line: Buffer): void {
  let off = 0;
  const step = (): void => {
    if (off >= line.length) {
      transport.receive('\nnext');
      return;
    }
    transport.receive(line.subarray(off, off + CHUNK_BYTES));
    off += CHUNK_BYTES;
    loop.callSoon(step);
  };
  step();
}

for (const config of loopConfigs()) {
  describe(`StreamReader long lines on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('a 2 MiB line with a raised limit: each byte scanned a bounded number of times, no pauses', async () => {
      await withLoop(config, async (loop) => {
        const protocol = new StreamProtocol({ limit: 64 * 1024 });
        const transport = new FakeTransport(loop, protocol);
        const reader = protocol.reader;
        const line = Buffer.alloc(LINE_BYTES, 0x61);
        feedLine(loop, transport, line);
        const got = await reader.readUntil('\n', { limit: 8 * 1024 * 1024 });
        assert.equal(got.length, LINE_BYTES + 1);
        assert.ok(got.subarray(0, LINE_BYTES).equals(line));
        const scanned = reader.stats().scannedBytes;
        assert.ok(scanned <= 2 * (LINE_BYTES + 5), `scanned ${scanned} bytes for a ${LINE_BYTES}-byte line`);
        assert.equal(transport.pauseCalls, 0, 'the waiting read allows 8 MiB: no pause at 64 KiB');
        assert.equal((await reader.readExactly(4)).toString(), 'next');
      });
    });

    test('the limit still applies: past it, the reader pauses again once no read waits', async () => {
      await withLoop(config, async (loop) => {
        const protocol = new StreamProtocol({ limit: 1024 });
        const transport = new FakeTransport(loop, protocol);
        const reader = protocol.reader;
        transport.receive(Buffer.alloc(4096, 0x62));
        assert.equal(transport.pauseCalls, 1, 'over the 1 KiB limit with no read waiting');
        await assert.rejects(reader.readUntil('\n', { limit: 2048 }), { code: 'NBIO_LIMIT_OVERRUN' });
        assert.equal(reader.stats().paused, true);
        assert.equal((await reader.readExactly(4096)).length, 4096);
        assert.equal(reader.stats().paused, false);
      });
    });
  });
}
