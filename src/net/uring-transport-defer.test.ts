// UringTransport on an owner-mode loop whose ring has DEFER_TASKRUN (new UringSelector({ mode:
// 'owner' })): completion work runs only inside the loop's own io_uring_enter(GETEVENTS), so
// receives, sends larger than the socket takes at once, accepts, cancels on close and an abort
// while bytes are in flight are all exercised on it. Descriptors are closed exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deadline, pattern, Recorder } from '../../test/integration/fixtures/net-harness.ts';
import { UringSelector } from '../completion/uring-selector.ts';
import { EventLoop } from '../loop/event-loop.ts';
import type { Watcher } from '../loop/io-watchers.ts';
import { IoUring } from '../sys/io-uring.ts';
import type { Ipv4Address } from '../sys/sockaddr.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { createConnection } from './connect.ts';
import { createServer } from './listener.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# UringTransport DEFER_TASKRUN tests skipped: ${a.reason}`);

function connect(loop: EventLoop, port: number): Promise<Recorder> {
  return new Promise<Recorder>((resolve, reject) =>
    createConnection(
      loop,
      () => new Recorder(),
      { host: '127.0.0.1', port },
      (err, _t, p) => (err ? reject(err) : resolve(p as Recorder)),
    ),
  );
}

describe('UringTransport on a DEFER_TASKRUN ring (owner mode)', { skip }, () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('8 connections echo 256 KiB each, in order; an abort mid-stream; everything closed once', async (t) => {
    const selector = new UringSelector<Watcher>({ mode: 'owner' });
    if (!selector.completion.deferTaskrun) {
      selector.close();
      t.skip('the kernel refused DEFER_TASKRUN (before Linux 6.1)');
      return;
    }
    const loop = new EventLoop({ selector, mode: 'owner' });
    try {
      await runFor(loop, async () => {
        const servers: Recorder[] = [];
        const server = createServer(
          loop,
          () => {
            const r = new Recorder();
            r.onData = (d, tr) => tr.write(d);
            servers.push(r);
            return r;
          },
          { host: '127.0.0.1', port: 0 },
        );
        const port = (server.address() as Ipv4Address).port;
        const size = 256 * 1024;
        const clients = await Promise.all(Array.from({ length: 8 }, () => connect(loop, port)));
        for (const [i, c] of clients.entries()) c.transport!.write(pattern(size, i + 1));
        await deadline(
          loop,
          10_000,
          'echoes',
          Promise.all(clients.map((c) => c.until(() => c.received === size))),
        );
        for (const [i, c] of clients.entries())
          assert.ok(c.data.equals(pattern(size, i + 1)), `connection ${i}: in order`);
        // An abort while the server still has bytes to send back: its SEND and receive are cancelled.
        const last = await connect(loop, port);
        last.transport!.write(pattern(4 * 1024 * 1024, 99));
        await deadline(
          loop,
          5000,
          'some echo',
          last.until(() => last.received > 0),
        );
        last.transport!.abort();
        for (const c of clients) c.transport!.close();
        await deadline(
          loop,
          5000,
          'server sides lost',
          Promise.all(servers.map((s) => s.until(() => s.lostCount === 1))),
        );
        assert.equal(servers.length, 9);
        server.close();
      });
    } finally {
      loop.close();
    }
  });
});
