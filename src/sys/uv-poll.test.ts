// libuv watching one descriptor (guest mode's wake): both ways of reaching libuv (nbio's own
// uv_poll_t, koffi.node.poll where that cannot be bound) wake on readability, stop at close(),
// refuse a closed or already-watched fd, and close every handle before the fd; the direct one
// hands the callback one events object (no allocation per wake) and works on a worker's own loop.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { osName } from './binding.ts';
import { close } from './fd.ts';
import { libuvPollAvailable, libuvPollUnavailableReason } from './libuv-poll.ts';
import { recv, send, socketpair } from './socket.ts';
import { UvPoll, type UvPollEvents, type UvPollVia } from './uv-poll.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const vias: UvPollVia[] = libuvPollAvailable() ? ['libuv', 'koffi'] : ['koffi'];
const ONE = Buffer.from('x');

/** A promise and its resolve function (Node 20 has no Promise.withResolvers). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves after one turn of Node's loop that ran every immediate queued so far. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('UvPoll', () => {
  let fdsBefore: ReturnType<typeof fdSnapshot>;
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('on Linux the main thread watches through its own uv_poll_t', () => {
    if (osName !== 'linux') return;
    assert.equal(libuvPollUnavailableReason(), null);
    assert.equal(UvPoll.defaultVia(), 'libuv');
  });

  for (const via of vias) {
    test(`${via}: wakes once per readable turn with (0, readable), and never after close()`, async () => {
      const [a, b] = socketpair();
      const buf = Buffer.alloc(16);
      const seen: [number, UvPollEvents][] = [];
      let wokeAfterClose = false;
      let closed = false;
      const done = deferred();
      const poll = new UvPoll(
        a,
        (status, events) => {
          if (closed) wokeAfterClose = true;
          seen.push([status, events]);
          recv(a, buf);
          if (seen.length < 5) send(b, ONE);
          else done.resolve();
        },
        via,
      );
      assert.equal(poll.via, via);
      send(b, ONE);
      await done.promise;
      poll.close();
      closed = true;
      poll.close(); // idempotent
      send(b, ONE); // readable again: nobody may be called
      await turn();
      await turn();
      assert.equal(wokeAfterClose, false);
      assert.equal(seen.length, 5);
      for (const [status, events] of seen) {
        assert.equal(status, 0);
        assert.equal(events.readable, true);
      }
      close(a);
      close(b);
    });

    test(`${via}: refuses a closed fd and a second watch of one fd instead of aborting`, () => {
      const [a, b] = socketpair();
      const poll = new UvPoll(a, () => {}, via);
      assert.throws(() => new UvPoll(a, () => {}, via), /already watched/);
      poll.close();
      const again = new UvPoll(a, () => {}, via); // released by close(): may be watched again
      again.close();
      close(a);
      close(b);
      assert.throws(() => new UvPoll(a, () => {}, via), /not open/);
    });
  }

  test('libuv: one events object for every wake (no allocation per wake)', async (t) => {
    if (!libuvPollAvailable()) return t.skip(`${libuvPollUnavailableReason()}`);
    const [a, b] = socketpair();
    const buf = Buffer.alloc(16);
    const objects = new Set<UvPollEvents>();
    const done = deferred();
    const poll = new UvPoll(
      a,
      (_status, events) => {
        objects.add(events);
        recv(a, buf);
        if (objects.size > 1 || ++wakes === 3) done.resolve();
        else send(b, ONE);
      },
      'libuv',
    );
    let wakes = 0;
    send(b, ONE);
    await done.promise;
    poll.close();
    close(a);
    close(b);
    assert.equal(objects.size, 1, 'the callback got a new events object on a later wake');
    assert.ok(Object.isFrozen([...objects][0]));
  });

  test("in a worker thread the watch is made on the worker's own loop and wakes there", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(new URL('./uv-poll.test-worker.mjs', import.meta.url), {
      workerData: flags.buffer,
    });
    const messages: unknown[] = [];
    const failed = new Promise((_, reject) => worker.once('error', reject));
    const ready = new Promise<void>((resolve) =>
      worker.on('message', (m) => {
        messages.push(m);
        if (m === 'ready') resolve();
      }),
    );
    await Promise.race([ready, failed]);
    // Block this thread (its loop cannot turn) and let the worker ping itself three times.
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    const waited = Atomics.wait(flags, 0, 0, 10_000);
    assert.notEqual(waited, 'timed-out', "the worker's watch did not wake while the main thread was blocked");
    await new Promise((r) => worker.once('exit', r));
    assert.deepEqual(messages, [
      'ready',
      { via: osName === 'linux' ? 'libuv' : UvPoll.defaultVia(), wakes: 3 },
    ]);
  });

  test('libuv: an exception thrown by the callback becomes an uncaughtException', (t) => {
    if (!libuvPollAvailable()) return t.skip(`${libuvPollUnavailableReason()}`);
    const mod = (f: string) => JSON.stringify(new URL(f, import.meta.url).href);
    const script = `
      import { UvPoll } from ${mod('./uv-poll.ts')};
      import { socketpair, send } from ${mod('./socket.ts')};
      import { close } from ${mod('./fd.ts')};
      const [a, b] = socketpair();
      const poll = new UvPoll(a, () => { poll.close(); close(a); close(b); throw new Error('boom from the callback'); }, 'libuv');
      process.on('uncaughtException', (err) => { console.log('caught: ' + err.message); });
      send(b, Buffer.from('x'));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'caught: boom from the callback');
  });
});
