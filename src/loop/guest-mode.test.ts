// Guest mode (docs/loop-iteration.md): libuv watches the epoll fd and nbio runs one zero-timeout
// iteration per wake, so Node's own timers, immediates, nextTicks and promises keep running
// beside it, and the process lives exactly as long as the loop has referenced work (unref()ed
// timers and unrefFd()ed descriptors do not count, as libuv's unref'd handles). The keep-alive cases
// run in child processes, where "the process exited on its own" is a fact, not a guess.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backendAvailability } from '../selector/default-selector.ts';
import { close, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { EventLoop } from './event-loop.ts';

const epoll = backendAvailability('epoll');
const skip = epoll.available ? false : `guest mode is tested on epoll: ${epoll.reason}`;

/** Resolves with `p`, or rejects after `ms` (a failure guard, not a speed assertion). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const mod = (file: string): string => JSON.stringify(new URL(file, import.meta.url).href);
const PRELUDE = `
import { EventLoop } from ${mod('./event-loop.ts')};
import { socketpair } from ${mod('../sys/socket.ts')};
import { close, read, write } from ${mod('../sys/fd.ts')};
const say = (s) => process.stdout.write(s + '\\n');
`;

/** What a child process did: its stdout lines, and how it ended. */
interface ChildResult {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs `body` (ESM, after PRELUDE) in `node --import tsx`; kills it after `killAfterMs`. */
function runChild(body: string, killAfterMs = 10_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PRELUDE + body], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ lines: stdout.split('\n').filter(Boolean), code, signal, stderr });
    });
  });
}

function assertExitedOnItsOwn(r: ChildResult): void {
  assert.equal(
    r.signal,
    null,
    `the child had to be killed: it did not exit on its own (stderr: ${r.stderr})`,
  );
  assert.equal(r.code, 0, `child failed: ${r.stderr}`);
}

describe('guest mode (epoll)', { skip }, () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('Node timers, immediates, nextTicks and promises run beside a guest loop with watchers', async () => {
    const loop = new EventLoop({ selector: 'epoll' });
    assert.equal(loop.mode, 'guest');
    const [a, b] = socketpair();
    const buf = Buffer.alloc(64);
    let received = '';
    let nodeTicks = 0;
    const order: string[] = [];
    let firstRead = true;
    const allRead = new Promise<void>((resolve) => {
      loop.addReader(a, () => {
        const n = read(a, buf);
        if (n > 0) received += buf.toString('latin1', 0, n);
        if (firstRead) {
          firstRead = false;
          order.push('reader');
          // Node's queues, fed from inside an nbio callback.
          setImmediate(() => order.push('immediate'));
          setTimeout(() => order.push('timeout'), 0);
          process.nextTick(() => order.push('nextTick'));
          Promise.resolve()
            .then(() => order.push('then1'))
            .then(() => order.push('then2'));
        }
        if (received === '012') resolve();
      });
    });
    // run() in guest mode only waits for stop(); Node's loop keeps turning underneath.
    const running = loop.run();
    let i = 0;
    const interval = setInterval(() => {
      nodeTicks++;
      write(b, Buffer.from(String(i++)));
      if (i === 3) clearInterval(interval);
    }, 2);
    const beside = await Promise.all([
      new Promise((r) => setTimeout(() => r('timeout'), 1)),
      new Promise((r) => setImmediate(() => r('immediate'))),
      new Promise((r) => process.nextTick(() => r('nextTick'))),
      (async () => {
        await null;
        await Promise.resolve();
        return 'await chain';
      })(),
    ]);
    assert.deepEqual(beside, ['timeout', 'immediate', 'nextTick', 'await chain']);
    await within(allRead, 5000, 'reading three writes from a Node interval');
    await within(new Promise((r) => setTimeout(r, 5)), 5000, 'a Node timer after the reads');
    assert.equal(received, '012');
    assert.equal(nodeTicks, 3);
    // Microtasks and nextTicks queued by an nbio callback drain before Node's next macrotask.
    assert.deepEqual(order, ['reader', 'nextTick', 'then1', 'then2', 'immediate', 'timeout']);
    loop.removeReader(a);
    loop.stop();
    await running;
    loop.close();
    close(a);
    close(b);
  });

  test('an nbio timer fires with nothing else scheduled, from one re-armed Node timer', async () => {
    const loop = new EventLoop({ selector: 'epoll' });
    const t0 = loop.time();
    const firedAt = await within(
      new Promise<number>((r) => loop.callLater(20, () => r(loop.time()))),
      5000,
      'timer',
    );
    assert.ok(firedAt - t0 >= 20, `fired after ${firedAt - t0} ms, not before its deadline`);
    assert.equal(loop.stats().timersFired, 1);
    // One wake per Node timer expiry; libuv's cached clock may wake it a little early, and each
    // early wake re-arms once. A loop that polled instead would count thousands.
    assert.ok(loop.stats().iterations <= 10, `iterations: ${loop.stats().iterations}`);
    loop.close();
  });

  test('an idle guest loop runs no iterations: it sleeps until libuv says the epoll fd is readable', async () => {
    const loop = new EventLoop({ selector: 'epoll' });
    const [a, b] = socketpair();
    let reads = 0;
    loop.addReader(a, () => {
      reads++;
      read(a, Buffer.alloc(8));
    });
    const far = loop.callLater(60_000, () => {});
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(loop.stats().iterations, 0, 'no event, no timer due: nothing ran');
    write(b, Buffer.from('x'));
    await within(
      (async () => {
        while (reads === 0) await new Promise((r) => setImmediate(r));
      })(),
      5000,
      'the reader after a write',
    );
    assert.equal(reads, 1);
    assert.ok(loop.stats().iterations >= 1);
    far.cancel();
    loop.removeReader(a);
    loop.close();
    close(a);
    close(b);
  });

  test('a guest loop whose only work is one timer lets the process exit once it fired', async () => {
    const r = await runChild(`
      const loop = new EventLoop();
      say(loop.mode);
      loop.callLater(50, () => say('timer fired'));
    `);
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['guest', 'timer fired']);
  });

  test('a cancelled timer does not keep the process alive (its Node timer is disarmed)', async () => {
    const t0 = performance.now();
    const r = await runChild(
      `
      const loop = new EventLoop();
      const t = loop.callLater(5000, () => say('must not fire'));
      // Cancelled from outside the loop (a Node timer), not from an nbio callback.
      setTimeout(() => { t.cancel(); say('cancelled'); }, 20);
    `,
      4000,
    );
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['cancelled']);
    assert.ok(performance.now() - t0 < 3500, 'exited well before the cancelled deadline');
  });

  test('an active reader keeps the process alive until it is removed', async () => {
    // The only other thing scheduled is an unref()ed Node timer, which alone would not keep the
    // process alive: "read" is printed only because the reader did.
    const r = await runChild(`
      const loop = new EventLoop();
      const [a, b] = socketpair();
      loop.addReader(a, () => {
        say('read ' + read(a, Buffer.alloc(8)));
        loop.removeReader(a);
        close(a);
        close(b);
        say('reader removed');
      });
      setTimeout(() => write(b, Buffer.from('x')), 200).unref();
    `);
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['read 1', 'reader removed']);
  });

  test('control: without the reader, the unref()ed timer alone does not keep the process alive', async () => {
    const r = await runChild(`
      const loop = new EventLoop();
      const [a, b] = socketpair();
      setTimeout(() => say('timer ran'), 200).unref();
      say('started');
    `);
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['started']);
  });

  test('ref/unref: an unref()ed nbio timer lets the process exit; ref() makes it hold again', async () => {
    const t0 = performance.now();
    const r = await runChild(
      `
      const loop = new EventLoop();
      loop.callLater(5000, () => say('unref timer must not fire')).unref();
      const held = loop.callLater(80, () => say('ref()ed again: fired')).unref();
      held.ref();
      say(String(held.hasRef()));
    `,
      4000,
    );
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['true', 'ref()ed again: fired']);
    assert.ok(performance.now() - t0 < 3500, 'exited without waiting for the unref()ed timer');
  });

  test('ref/unref: a watcher on an unrefFd()ed descriptor does not hold the process; refFd() does', async () => {
    const r = await runChild(`
      const loop = new EventLoop();
      const [a, b] = socketpair();
      const [c, d] = socketpair();
      loop.addReader(a, () => say('a must not be read'));
      loop.unrefFd(a);
      loop.addReader(c, () => {
        say('c read');
        loop.removeReader(c);
        loop.refFd(a); // forgets a, which now holds again
        loop.removeReader(a); // … until removed
        for (const fd of [a, b, c, d]) close(fd);
      });
      loop.unrefFd(c);
      loop.refFd(c);
      setTimeout(() => write(d, Buffer.from('x')), 100).unref();
      say('started');
    `);
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['started', 'c read']);
  });

  test('control: an unrefFd()ed watcher alone lets the process exit at once', async () => {
    const r = await runChild(`
      const loop = new EventLoop();
      const [a, b] = socketpair();
      loop.addReader(a, () => say('must not be read'));
      loop.unrefFd(a);
      setTimeout(() => write(b, Buffer.from('x')), 200).unref();
      say('started');
    `);
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['started']);
  });

  test('run() keeps the process alive until stop(), even with no watchers', async () => {
    const r = await runChild(`
      const loop = new EventLoop();
      setTimeout(() => { say('stopping'); loop.stop(); }, 100).unref();
      await loop.run();
      say('run returned');
      loop.close();
    `);
    assertExitedOnItsOwn(r);
    assert.deepEqual(r.lines, ['stopping', 'run returned']);
  });
});
