// SocketTransport's small vectors (issue 10): several buffers totalling at most
// SMALL_VECTOR_BYTES leave in one send() from a scratch copy instead of a writev() (koffi builds
// writev's iovec array from JS objects, which costs more than copying a few KiB); larger ones
// still go through writev(). Counted with the syscall counter, on every backend; the bytes are
// checked at the peer, including when the kernel takes only part of a coalesced send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connectPair,
  deadline,
  forEachBackend,
  pattern,
  Recorder,
  sleep,
  withLoop,
} from '../../test/integration/fixtures/net-harness.ts';
import { Sc, startCountingSyscalls, syscallCalls } from '../sys/syscall-counter.ts';
import { SMALL_VECTOR_BYTES, SocketTransport } from './socket-transport.ts';

/** Calls of `kind` made while `fn` runs. */
function callsDuring(kind: number, fn: () => void): number {
  const stop = startCountingSyscalls();
  try {
    const before = syscallCalls(kind);
    fn();
    return syscallCalls(kind) - before;
  } finally {
    stop();
  }
}

forEachBackend('SocketTransport small vectors', (backend) => {
  test('strings and vectors around the limit arrive whole; a bad chunk is still refused', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const p = await connectPair(loop, { port: 0 });
      const c = p.clientTransport;
      const writeLines = c.writeLines?.bind(c);
      if (writeLines === undefined) throw new Error('the transport has no writeLines()');
      const maxChars = Math.floor(SMALL_VECTOR_BYTES / 3);
      const sent = [
        '€'.repeat(maxChars), // 3 bytes each: exactly fills the scratch
        'a'.repeat(maxChars + 1), // above: the general path
        '',
      ];
      for (const x of sent) c.write(x);
      writeLines(['x'.repeat(maxChars), pattern(SMALL_VECTOR_BYTES - 3 * maxChars, 3)]); // full to the byte
      writeLines(['€'.repeat(maxChars), 'y']); // might not fit (3 bytes a character): general path
      assert.throws(
        () => writeLines(['ok', 42 as unknown as string]),
        (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
      );
      const expected = Buffer.concat([
        ...sent.map((x) => Buffer.from(x)),
        Buffer.from('x'.repeat(maxChars)),
        pattern(SMALL_VECTOR_BYTES - 3 * maxChars, 3),
        Buffer.from(`${'€'.repeat(maxChars)}y`),
      ]);
      await deadline(
        loop,
        5000,
        'all bytes',
        p.serverSide.until(() => p.serverSide.received === expected.length),
      );
      assert.ok(p.serverSide.data.equals(expected), 'the bytes arrived as written');
      c.close();
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('a small writeLines() is one send(), no writev(); a large one is a writev()', async (t) => {
    const errors = await withLoop(backend, async (loop) => {
      const p = await connectPair(loop, { port: 0 });
      const c = p.clientTransport;
      if (!(c instanceof SocketTransport)) {
        // io_uring's transport submits its own SENDs: nothing to count here.
        t.skip(`the ${backend} loop's transport is not a SocketTransport`);
        c.abort();
        p.server.close();
        return;
      }
      const body = pattern(1000);
      let sends = 0;
      const writevs = callsDuring(Sc.writev, () => {
        sends = callsDuring(Sc.send, () => c.writeLines(['HTTP/1.1 200 OK\r\n\r\n', body, '\r\n']));
      });
      assert.equal(sends, 1, 'one send()');
      assert.equal(writevs, 0, 'no writev()');
      const big = pattern(SMALL_VECTOR_BYTES, 11);
      const bigWritevs = callsDuring(Sc.writev, () => c.writeLines(['x', big]));
      assert.equal(bigWritevs, 1, 'above SMALL_VECTOR_BYTES: writev()');
      const total = 19 + 1000 + 2 + 1 + SMALL_VECTOR_BYTES;
      await deadline(
        loop,
        5000,
        'all bytes',
        p.serverSide.until(() => p.serverSide.received === total),
      );
      assert.deepEqual(
        p.serverSide.data,
        Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), body, Buffer.from('\r\nx'), big]),
      );
      c.close();
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('coalesced sends the kernel takes in part: every byte arrives, in order', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const stalled = () => {
        const r = new Recorder();
        r.onMade = (t) => t.pauseReading();
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, stalled);
      const c = p.clientTransport;
      const writeLines = c.writeLines?.bind(c);
      if (writeLines === undefined) throw new Error('the transport has no writeLines()');
      const parts: Buffer[] = [];
      let written = 0;
      // Small vectors of three pieces until the socket buffers are full and the transport
      // pauses: some send() takes part of a coalesced vector, the rest is queued and flushed
      // later (coalesced again by the writer). Bounded in count.
      for (let i = 0; i < 20_000 && !c.stats().writePaused; i++) {
        const piece = pattern(700 + (i % 300), i);
        const head = `${i}:é€`; // UTF-8: 2 and 3 bytes
        const text = `${'ü'.repeat(i % 500)}\n`;
        writeLines([head, piece, '\n']);
        c.write(text); // a string alone: encoded into the scratch too
        for (const x of [Buffer.from(head), piece, Buffer.from('\n'), Buffer.from(text)]) {
          parts.push(x);
          written += x.length;
        }
      }
      assert.ok(c.stats().writePaused, 'the socket filled up');
      await sleep(loop, 10);
      p.serverSide.transport?.resumeReading();
      await deadline(
        loop,
        10_000,
        'all bytes',
        p.serverSide.until(() => p.serverSide.received === written),
      );
      assert.ok(p.serverSide.data.equals(Buffer.concat(parts)), 'the bytes arrived as written');
      c.close();
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });
});
