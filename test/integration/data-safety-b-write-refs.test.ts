// Issue 9, defect 8: writing without waiting for drain must not hold copies. The transport
// keeps references to unsent buffers (as Node's net does; a buffer must not be changed after
// write()), so writing one 64 KiB buffer 1,000 times to a peer that reads nothing holds one
// 64 KiB buffer, not 64 MiB, and compat's Duplex plus the transport never hold the same bytes
// twice. Measured with process.memoryUsage().arrayBuffers, which counts Buffer memory.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Socket } from '../../src/compat/socket.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { loopConfigs, runFor } from '../../src/testing/loop-configs.ts';
import { connectPair, Recorder } from './fixtures/net-harness.ts';

const CHUNK_BYTES = 64 * 1024;
const WRITES = 1000; // 64 MiB if every unsent write were copied
/** Far below the 64 MiB copies would take; room for the kernel's share and allocator noise. */
const GROWTH_BOUND_BYTES = 16 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Buffer memory after a full GC, so garbage from earlier tests cannot offset the growth. */
const arrayBuffers = (): number => {
  gc();
  return process.memoryUsage().arrayBuffers;
};

/** A server side that never reads: everything written stays in the writer's queue. */
function deaf(): Recorder {
  const r = new Recorder();
  r.onMade = (t) => t.pauseReading();
  return r;
}

for (const config of loopConfigs()) {
  describe(`unsent writes are held by reference on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('Transport: the same 64 KiB buffer written 1,000 times is queued, not copied', async () => {
      const loop = new EventLoop({ selector: config.backend, mode: config.mode });
      try {
        await runFor(loop, async () => {
          const p = await connectPair(loop, { host: '127.0.0.1', port: 0 }, deaf);
          const buf = Buffer.alloc(CHUNK_BYTES, 0x61);
          const base = arrayBuffers();
          for (let i = 0; i < WRITES; i++) p.clientTransport.write(buf);
          const grew = arrayBuffers() - base;
          const queued = p.clientTransport.bufferedAmount;
          assert.ok(queued > 32 * 1024 * 1024, `queued ${queued} bytes (the peer reads nothing)`);
          assert.ok(grew < GROWTH_BOUND_BYTES, `Buffer memory grew ${grew} bytes for ${queued} queued`);
          p.clientTransport.abort();
          p.serverSide.transport!.abort();
          p.server.close();
        });
      } finally {
        loop.close();
      }
    });

    test('compat Socket: corked writes reach the transport without a copy of the Duplex queue', async () => {
      const loop = new EventLoop({ selector: config.backend, mode: config.mode });
      try {
        await runFor(loop, async () => {
          const sides: Recorder[] = [];
          const p = await connectPair(loop, { host: '127.0.0.1', port: 0 }, () => {
            const r = deaf();
            sides.push(r);
            return r;
          });
          const addr = p.server.address();
          const socket = new Socket({ loop });
          await new Promise<void>((resolve, reject) => {
            socket.once('error', reject);
            socket.connect({ host: '127.0.0.1', port: (addr as { port: number }).port }, resolve);
          });
          // connectPair's first client stays idle; the compat socket is the second connection.
          const buf = Buffer.alloc(CHUNK_BYTES, 0x62);
          const base = arrayBuffers();
          socket.cork();
          for (let i = 0; i < WRITES; i++) socket.write(buf);
          socket.uncork(); // one _writev of all 1,000 chunks into the transport
          const grew = arrayBuffers() - base;
          assert.ok(grew < GROWTH_BOUND_BYTES, `Buffer memory grew ${grew} bytes after 64 MiB of writes`);
          socket.destroy();
          p.clientTransport.abort();
          await new Promise<void>((r) => {
            const poll = (): unknown => (sides.length === 2 ? r() : loop.callLater(1, poll));
            poll();
          });
          for (const side of sides) side.transport?.abort();
          p.server.close();
        });
      } finally {
        loop.close();
      }
    });
  });
}
