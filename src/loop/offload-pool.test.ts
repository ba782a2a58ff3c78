// OffloadPool on every backend: results and errors come back on the loop, a loop blocked in its
// selector wakes for them, the loop keeps running while a worker blocks, cancellation, a full
// queue, a worker that dies, close(), and process liveness. Task modules are written to a temp
// directory (one .mjs, one .ts) and named by absolute path, as users do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { availableBackends } from '../selector/default-selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { EventLoop } from './event-loop.ts';
import { type OffloadCallback, OffloadPool, workerExecArgv } from './offload-pool.ts';

const dir = mkdtempSync(join(tmpdir(), 'nbio-offload-'));
// An ESM package, like the projects that use nbio: on Node 24 a bare .ts file outside one is
// loaded as CommonJS by tsx and fails (ERR_REQUIRE_CYCLE_MODULE, measured).
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
const JS = join(dir, 'tasks.mjs');
const TS = join(dir, 'typed.ts');
writeFileSync(
  JS,
  `import { threadId } from 'node:worker_threads';
export function add(a, b) { return a + b; }
export async function later(v) { await new Promise((r) => setTimeout(r, 5)); return { v, list: [1, 2] }; }
export function whoAmI() { return threadId; }
/** Marks cell 0 "started", then blocks the thread until cell 1 is set (or 20 s pass). */
export function blockUntilReleased(sab) {
  const cells = new Int32Array(sab);
  Atomics.store(cells, 0, 1);
  Atomics.wait(cells, 1, 0, 20000);
  Atomics.add(cells, 2, 1);
  return 'released';
}
export function countRun(sab) { Atomics.add(new Int32Array(sab), 3, 1); return 'ran'; }
export function fail() { throw Object.assign(new RangeError('fixture failed'), { code: 'E_FIXTURE', extra: 7 }); }
export function unclonable() { return () => 1; }
export function exitThread(code) { process.exit(code); }
export const notAFunction = 42;
`,
);
writeFileSync(
  TS,
  `interface Pair { a: number; b: number }
export function sum(p: Pair): number { return p.a + p.b; }
`,
);
after(() => rmSync(dir, { recursive: true, force: true }));

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

/** Submits and resolves with [err, result] once the callback ran. */
function run(pool: OffloadPool, module: string, name: string, args: unknown[] = []) {
  return new Promise<[Error | null, unknown]>((resolve) => {
    pool.submit(module, name, args, (err, result) => resolve([err, result]));
  });
}

const closed = (pool: OffloadPool) => new Promise<void>((r) => pool.close(r));

for (const backend of availableBackends()) {
  describe(`OffloadPool on ${backend}`, () => {
    let fds = fdSnapshot();
    let loop: EventLoop;
    let pool: OffloadPool;
    before(() => {
      fds = fdSnapshot();
      loop = new EventLoop({ selector: backend });
      pool = new OffloadPool(loop, { name: `test-${backend}`, size: 2 });
    });
    after(async () => {
      await closed(pool);
      loop.close();
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor (the workers’ included) was closed');
    });

    test('runs .mjs and .ts exports; the callback runs inside a loop iteration', async () => {
      const out = await runFor(
        loop,
        () =>
          new Promise<unknown[]>((resolve) => {
            const got: unknown[] = [];
            const cb: OffloadCallback = (err, result) => {
              assert.equal(err, null);
              // Only possible inside an iteration: proves the callback runs on the loop.
              assert.throws(() => loop.runOnce(0), code('NBIO_BUSY'));
              got.push(result);
              if (got.length === 3) resolve(got);
            };
            pool.submit(JS, 'add', [2, 3], cb);
            pool.submit(new URL(`file://${TS}`), 'sum', [{ a: 4, b: 5 }], cb);
            pool.submit(JS, 'later', ['x'], cb);
          }),
      );
      assert.deepEqual(
        out.map((x) => JSON.stringify(x)).sort(),
        ['5', '9', JSON.stringify({ v: 'x', list: [1, 2] })].sort(),
      );
      assert.equal(pool.stats().completed, 3);
      assert.ok(pool.stats().workers >= 1 && pool.stats().workers <= 2);
    });

    test('errors keep their name, message and own fields; bad exports and modules are errors', async () => {
      const [e1] = await runFor(loop, run(pool, JS, 'fail'));
      assert.ok(e1 instanceof Error);
      assert.equal(e1.name, 'RangeError');
      assert.equal(e1.message, 'fixture failed');
      assert.equal((e1 as Error & { code: string }).code, 'E_FIXTURE');
      assert.equal((e1 as Error & { extra: number }).extra, 7);
      assert.match(e1.stack ?? '', /fixture failed/);
      const [e2] = await runFor(loop, run(pool, JS, 'notAFunction'));
      assert.match(e2?.message ?? '', /no exported function 'notAFunction'/);
      const [e3] = await runFor(loop, run(pool, join(dir, 'missing.mjs'), 'x'));
      assert.match(e3?.message ?? '', /missing\.mjs/);
      const [e4] = await runFor(loop, run(pool, JS, 'unclonable'));
      assert.match(e4?.message ?? '', /cannot be sent back/);
      assert.equal(pool.stats().failed, 4);
    });

    test('the loop keeps running while a worker blocks, and wakes for the result', async () => {
      const sab = new SharedArrayBuffer(16);
      const cells = new Int32Array(sab);
      const events: string[] = [];
      const result = await runFor(
        loop,
        () =>
          new Promise<unknown>((resolve) => {
            pool.submit(JS, 'blockUntilReleased', [sab], (err, r) => {
              assert.equal(err, null);
              events.push('result');
              resolve(r);
            });
            let ticks = 0;
            const tick = () => {
              if (Atomics.load(cells, 0) === 1 && ++ticks === 3) {
                // The worker is blocked in Atomics.wait; the loop ran three timers meanwhile.
                events.push('release');
                Atomics.store(cells, 1, 1);
                Atomics.notify(cells, 1);
                return; // no timer left but the guard: the waker ends this wait
              }
              events.push(Atomics.load(cells, 0) === 1 ? 'timer-while-blocked' : 'timer');
              loop.callLater(2, tick);
            };
            loop.callLater(1, tick);
          }),
      );
      assert.equal(result, 'released');
      assert.equal(events.filter((e) => e === 'timer-while-blocked').length, 2);
      assert.deepEqual(events.slice(-2), ['release', 'result']);
    });

    test('cancel before start: AbortedError, never runs; after start: AbortedError, result dropped', async () => {
      const small = new OffloadPool(loop, { name: 'small', size: 1, maxQueue: 1 });
      const sab = new SharedArrayBuffer(16);
      const cells = new Int32Array(sab);
      const results: string[] = [];
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            const first = small.submit(JS, 'blockUntilReleased', [sab], (err) => {
              results.push(`first:${(err as { code?: string })?.code}`);
            });
            const queued = small.submit(JS, 'countRun', [sab], (err) => {
              results.push(`queued:${(err as { code?: string })?.code}`);
            });
            // The queue (maxQueue 1) is full now.
            assert.throws(() => small.submit(JS, 'add', [1, 1], () => {}), code('NBIO_BUSY'));
            assert.equal(small.stats().queueLength, 1);
            queued.cancel();
            queued.cancel();
            const ac = new AbortController();
            small.submit(
              JS,
              'countRun',
              [sab],
              (err) => {
                results.push(`aborted:${(err as { code?: string })?.code}`);
              },
              { signal: ac.signal },
            );
            ac.abort(new Error('changed my mind'));
            const poll = () => {
              if (Atomics.load(cells, 0) !== 1) return void loop.callLater(1, poll);
              first.cancel(); // running: the callback gets AbortedError now
              Atomics.store(cells, 1, 1);
              Atomics.notify(cells, 1);
              // The worker is free again after the dropped result: the next task runs.
              small.submit(JS, 'add', [20, 22], (err, r) => {
                results.push(`next:${err ?? r}`);
                resolve();
              });
            };
            loop.callLater(1, poll);
          }),
      );
      // The two cancellations settle first; `first` (cancelled while running) and `next` may
      // come in either order: a result read in step 5 of an iteration runs before callbacks
      // queued by the iteration before (step 7).
      assert.deepEqual(results.slice(0, 2), ['queued:NBIO_ABORTED', 'aborted:NBIO_ABORTED']);
      assert.deepEqual(results.slice(2).sort(), ['first:NBIO_ABORTED', 'next:42']);
      assert.equal(Atomics.load(cells, 3), 0, 'cancelled tasks never ran');
      assert.equal(Atomics.load(cells, 2), 1, 'the running task did finish in its worker');
      const s = small.stats();
      assert.equal(s.cancelled, 3);
      assert.equal(s.completed, 1);
      assert.ok(Object.isFrozen(s));
      assert.ok(s.waitMsMax >= s.waitMsAvg && s.waitMsAvg >= 0);
      await closed(small);
    });

    test('a worker that dies fails its task with NBIO_BROKEN; the pool starts another', async () => {
      const [err] = await runFor(loop, run(pool, JS, 'exitThread', [3]));
      assert.equal((err as { code?: string }).code, 'NBIO_BROKEN');
      assert.match(err?.message ?? '', /exited with code 3 while running exitThread\(\)/);
      const [err2, r] = await runFor(loop, run(pool, JS, 'add', [1, 2]));
      assert.equal(err2, null);
      assert.equal(r, 3);
    });

    test('bad input throws at once and never calls back', () => {
      const never = () => assert.fail('callback must not run');
      assert.throws(() => pool.submit('relative/tasks.mjs', 'add', [], never), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => pool.submit(JS, '', [], never), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => pool.submit(JS, 'add', [() => 1], never), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => new OffloadPool(loop, { name: 'x', size: 0 }), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => new OffloadPool(loop, { name: '' }), code('NBIO_INVALID_ARGUMENT'));
    });

    test('close(): pending tasks get NBIO_CLOSED, submit throws, onClosed fires after the threads exit', async () => {
      const p = new OffloadPool(loop, { name: 'closing', size: 1 });
      const sab = new SharedArrayBuffer(16);
      const got: string[] = [];
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            p.submit(JS, 'blockUntilReleased', [sab], (err) =>
              got.push(`running:${(err as { code?: string }).code}`),
            );
            p.submit(JS, 'add', [1, 2], (err) => {
              got.push(`queued:${(err as { code?: string }).code}`);
              resolve();
            });
            p.close();
            assert.throws(() => p.submit(JS, 'add', [1, 2], () => {}), code('NBIO_CLOSED'));
          }),
      );
      // The worker blocked in Atomics.wait cannot be interrupted: release it so it can exit.
      Atomics.store(new Int32Array(sab), 1, 1);
      Atomics.notify(new Int32Array(sab), 1);
      await closed(p);
      assert.deepEqual(got.sort(), ['queued:NBIO_CLOSED', 'running:NBIO_CLOSED']);
      assert.equal(p.stats().workers, 0);
    });
  });
}

test('closing the loop closes its pools first (the onClose hook), so no worker outlives the waker', async () => {
  const fds = fdSnapshot();
  const loop = new EventLoop();
  const pool = new OffloadPool(loop, { name: 'hooked', size: 1 });
  const r = await loop.runUntilComplete(
    () =>
      new Promise<[Error | null, unknown]>((resolve) =>
        pool.submit(JS, 'add', [20, 22], (e, v) => resolve([e, v])),
      ),
  );
  assert.deepEqual(r, [null, 42]);
  assert.ok(!pool.isClosed);
  loop.close();
  assert.ok(pool.isClosed, 'loop.close() closed the pool');
  await new Promise<void>((resolve) => pool.close(resolve)); // resolves once the threads exited
  assert.deepEqual(fdsOpenedSince(fds), []);
});

test('idle workers do not keep the process alive; a running task does', () => {
  const script = `
    import { EventLoop } from ${JSON.stringify(new URL('./event-loop.ts', import.meta.url).href)};
    import { OffloadPool } from ${JSON.stringify(new URL('./offload-pool.ts', import.meta.url).href)};
    const loop = new EventLoop();
    const pool = new OffloadPool(loop, { name: 'liveness' });
    const sab = new SharedArrayBuffer(16);
    setTimeout(() => { const c = new Int32Array(sab); Atomics.store(c, 1, 1); Atomics.notify(c, 1); }, 200);
    pool.submit(${JSON.stringify(JS)}, 'blockUntilReleased', [sab], (err, r) => console.log('result', r));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.signal, null, `the process exited by itself (stderr: ${r.stderr})`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /result released/, 'the busy worker kept the process alive until its result');
});

test('workers inherit Node options, minus those about the main script', () => {
  assert.deepEqual(
    workerExecArgv([
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      'code()',
      '--max-old-space-size=64',
      '--test-timeout',
      '5',
      '--test-only',
      '--enable-source-maps',
    ]),
    ['--import', 'tsx', '--max-old-space-size=64', '--enable-source-maps'],
  );
  assert.equal(
    workerExecArgv(['--import', 'tsx', '--stack-trace-limit=10']),
    null,
    'nothing to drop: inherit',
  );
});
