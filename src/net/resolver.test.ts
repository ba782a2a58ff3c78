// The resolver on every backend: IP literals and names the hosts file alone answers without a
// worker (never synchronously), other names through getaddrinfo in the loop's 'nbio-resolver' pool in system order, typed failures,
// cancellation, and a loop that keeps running while lookups wait.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventLoop } from '../loop/event-loop.ts';
import { availableBackends } from '../selector/default-selector.ts';
import { getaddrinfo } from '../sys/getaddrinfo.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { closeResolver, resolve, resolverPool } from './resolver.ts';
import { hostsFileAnswer } from './resolver-hosts.ts';

const dir = mkdtempSync(join(tmpdir(), 'nbio-resolver-'));
const BLOCKER = join(dir, 'blocker.mjs');
writeFileSync(
  BLOCKER,
  `export function block(sab) {
  const c = new Int32Array(sab);
  Atomics.add(c, 0, 1);
  Atomics.wait(c, 1, 0, 20000);
  return 'released';
}
`,
);
after(() => rmSync(dir, { recursive: true, force: true }));

type Outcome = [Error | null, SocketAddress[]];
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

/** The first host name in /etc/hosts that is not localhost (every system here has one). */
function hostsName(): { name: string; ip: string } | null {
  for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
    const [ip = '', ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
      const name = names.find((n) => !n.startsWith('localhost'));
      if (name !== undefined) return { name, ip };
    }
  }
  return null;
}

for (const backend of availableBackends()) {
  describe(`resolve() on ${backend}`, () => {
    let fds = fdSnapshot();
    let loop: EventLoop;
    const lookup = (host: string, options = {}) =>
      runFor(
        loop,
        new Promise<Outcome>((r) => resolve(loop, host, options, (err, addrs) => r([err, addrs]))),
      );
    before(() => {
      fds = fdSnapshot();
      loop = new EventLoop({ selector: backend });
    });
    after(async () => {
      await new Promise<void>((r) => closeResolver(loop, r));
      loop.close();
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor (the workers’ included) was closed');
    });

    test('IP literals answer on a later iteration, without a worker', async () => {
      let called = false;
      const p = new Promise<Outcome>((r) =>
        resolve(loop, '[0:0::1]', {}, (err, a) => {
          called = true;
          r([err, a]);
        }),
      );
      assert.equal(called, false, 'never synchronously');
      assert.deepEqual(await runFor(loop, p), [null, [{ family: 'ipv6', address: '::1', port: 0 }]]);
      assert.deepEqual(await lookup('127.0.0.1'), [
        null,
        [{ family: 'ipv4', address: '127.0.0.1', port: 0 }],
      ]);
      const [err] = await lookup('::1', { family: 'ipv4' });
      assert.ok(err !== null && code('NBIO_NAME_NOT_RESOLVED')(err));
      assert.equal(resolverPool(loop).stats().workers, 0, 'no thread was started for literals');
    });

    test("a name the hosts file alone answers needs no worker, and it is getaddrinfo's answer", async (t) => {
      const fromHosts = hostsFileAnswer('localhost', undefined);
      if (fromHosts === null) return t.skip('the hosts file does not answer localhost alone here');
      const [err, addrs] = await lookup('localhost');
      assert.equal(err, null);
      assert.deepEqual(addrs, [fromHosts]);
      assert.deepEqual(addrs, getaddrinfo('localhost'), 'what the C library answers');
      assert.equal(resolverPool(loop).stats().workers, 0, 'no thread was started');
    });

    test("'localhost' resolves through getaddrinfo, in the system's order", async () => {
      const [err, addrs] = await lookup('localhost', { hostsFile: false });
      assert.equal(err, null);
      assert.deepEqual(addrs, getaddrinfo('localhost'), 'the same list, in the same order');
      assert.ok(addrs.some((a) => a.family === 'ipv4' && a.address === '127.0.0.1'));
      const [, v4] = await lookup('localhost', { family: 'ipv4', hostsFile: false });
      assert.ok(v4.length > 0 && v4.every((a) => a.family === 'ipv4'));
      const s = resolverPool(loop).stats();
      assert.equal(s.name, 'nbio-resolver');
      assert.equal(s.completed, 2);
    });

    test('a name from /etc/hosts resolves to its address', async (t) => {
      const entry = hostsName();
      if (entry === null) return t.skip('/etc/hosts names no host but localhost');
      const [err, addrs] = await lookup(entry.name, { family: 'ipv4' });
      assert.equal(err, null);
      assert.ok(addrs.some((a) => a.family === 'ipv4' && a.address === entry.ip));
    });

    test('a name that does not resolve: NameResolutionError with getaddrinfo’s words', async () => {
      // A 64-character label: the C library refuses it before any network traffic.
      const host = `${'x'.repeat(64)}.invalid`;
      const [err, addrs] = await lookup(host);
      assert.deepEqual(addrs, []);
      assert.ok(err !== null && code('NBIO_NAME_NOT_RESOLVED')(err));
      assert.equal((err as Error & { host: string }).host, host);
      assert.match(err.message, /EAI_NONAME/);
      assert.equal((err.cause as { code?: string }).code, 'EAI_NONAME');
      assert.equal((err.cause as { syscall?: string }).syscall, 'getaddrinfo');
    });

    test('bad input throws at once', () => {
      const never = () => assert.fail('callback must not run');
      for (const bad of ['', 'http://example.com', 'a b', '1.2.3']) {
        assert.throws(() => resolve(loop, bad, {}, never), code('NBIO_INVALID_ARGUMENT'), bad);
      }
      assert.throws(
        () => resolve(loop, 'localhost', { family: 'ipx' as 'ipv4' }, never),
        code('NBIO_INVALID_ARGUMENT'),
      );
    });

    test('the loop keeps running while lookups wait; cancel and abort end them with AbortedError', async () => {
      const pool = resolverPool(loop);
      const sab = new SharedArrayBuffer(8);
      const cells = new Int32Array(sab);
      const events: string[] = [];
      const outcomes = await runFor(
        loop,
        () =>
          new Promise<string[]>((done) => {
            // Occupy every resolver thread, so the lookups below wait in the queue.
            for (let i = 0; i < pool.size; i++) pool.submit(BLOCKER, 'block', [sab], () => {});
            const got: string[] = [];
            const finish = (what: string) => (err: Error | null, a: SocketAddress[]) => {
              got.push(`${what}:${err === null ? a.length > 0 : (err as { code?: string }).code}`);
              if (got.length === 4) done(got);
            };
            const viaWorker = { hostsFile: false };
            resolve(loop, 'localhost', viaWorker, finish('lookup'));
            resolve(loop, 'localhost', viaWorker, finish('cancelled')).cancel();
            const ac = new AbortController();
            resolve(loop, 'localhost', { ...viaWorker, signal: ac.signal }, finish('aborted'));
            ac.abort();
            resolve(loop, '127.0.0.1', { signal: AbortSignal.abort() }, finish('literal-aborted'));
            let ticks = 0;
            const tick = () => {
              if (Atomics.load(cells, 0) === pool.size && ++ticks === 3) {
                events.push('release');
                Atomics.store(cells, 1, 1);
                Atomics.notify(cells, 1);
                return;
              }
              events.push('timer');
              loop.callLater(2, tick);
            };
            loop.callLater(1, tick);
          }),
      );
      assert.deepEqual(outcomes.slice(0, 3).sort(), [
        'aborted:NBIO_ABORTED',
        'cancelled:NBIO_ABORTED',
        'literal-aborted:NBIO_ABORTED',
      ]);
      assert.equal(outcomes[3], 'lookup:true', 'the queued lookup finished after the release');
      assert.ok(events.filter((e) => e === 'timer').length >= 2, 'timers ran while the lookup waited');
      assert.equal(events.at(-1), 'release');
    });
  });
}
