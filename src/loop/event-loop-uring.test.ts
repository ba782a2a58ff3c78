// The loop's io_uring step 7b (docs/loop-iteration.md), in both run modes: what an iteration
// prepared is submitted at its end, and a SEND the socket takes at once has its callback run in
// that same iteration (no second iteration, and in owner mode no second io_uring_enter wait
// ended by the SEND's own completion). Step 7b for the readiness polls: src/completion tests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { close } from '../sys/fd.ts';
import { IoUring } from '../sys/io-uring.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { EventLoop, type RunMode } from './event-loop.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# io_uring loop tests skipped: ${a.reason}`);

describe('EventLoop on io_uring: step 7b', { skip }, () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  for (const mode of ['guest', 'owner'] as RunMode[]) {
    test(`${mode} mode: a SEND taken at once completes in the iteration that prepared it`, async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const [x, y] = socketpair();
      try {
        const cq = loop.completion;
        assert.ok(cq !== null);
        const seen = await runFor(
          loop,
          () =>
            new Promise<{ at: number; done: number; res: number }>((resolve) => {
              loop.callSoon(() => {
                const at = loop.stats().iterations;
                cq.send(x, [Buffer.from('ping')], 0, (res) => {
                  resolve({ at, done: loop.stats().iterations, res });
                });
              });
            }),
          5000,
        );
        assert.equal(seen.res, 4, 'the socket took the 4 bytes');
        assert.equal(seen.done, seen.at, 'its callback ran in the same iteration');
      } finally {
        loop.close();
        close(x);
        close(y);
      }
    });
  }
});
