// Thread-safe wake-up: a worker posts data and writes the waker; a loop blocked in its
// selector (owner mode, infinite timeout) wakes at once and receives every message in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { availableBackends } from '../selector/default-selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { EventLoop } from './event-loop.ts';

for (const backend of availableBackends()) {
  test(`a worker wakes a ${backend} loop blocked in its selector`, async () => {
    const fds = fdSnapshot();
    const loop = new EventLoop({ selector: backend, mode: 'owner' });
    const got: unknown[] = [];
    const channel = loop.openChannel((data) => {
      got.push(data);
      if (got.length === 3) loop.stop();
    });
    const worker = new Worker(new URL('./threadsafe.test-worker.mjs', import.meta.url), {
      workerData: { endpoint: channel.endpoint, delayMs: 50, count: 3 },
      transferList: [channel.endpoint.port],
    });
    const exited = new Promise((r) => worker.on('exit', r));
    // No timers, no other fds: only the waker can end this wait (the guard is for a failure).
    const guard = setTimeout(() => loop.stop(), 10_000);
    const t0 = performance.now();
    await loop.run();
    clearTimeout(guard);
    assert.deepEqual(
      got,
      [0, 1, 2].map((i) => ({ i, from: 'worker' })),
    );
    assert.ok(performance.now() - t0 < 8000);
    assert.equal(channel.received, 3);
    await exited;
    channel.close();
    loop.close();
    assert.deepEqual(fdsOpenedSince(fds), []);
  });
}
