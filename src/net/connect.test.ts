// createConnection on every backend: refused, timed out, aborted before and during,
// cancelled, unresolvable, bad options; the callback's order and exactly-once promise; no
// descriptor left behind on any failure path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deadline,
  dial,
  forEachBackend,
  Recorder,
  withLoop,
} from '../../test/integration/fixtures/net-harness.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { sys } from '../sys/constants.ts';
import { OsError } from '../sys/errno.ts';
import { close } from '../sys/fd.ts';
import { bind, getsockname, listen, socket } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { type ConnectOptions, createConnection } from './connect.ts';
import { createServer } from './listener.ts';
import type { Protocol } from './protocol.ts';
import { closeResolver, resolve } from './resolver.ts';
import type { Transport } from './transport.ts';

const isCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

interface Outcome {
  err: Error | null;
  transport?: Transport;
  protocol?: Protocol;
  sync: boolean;
  calls: number;
  factoryCalls: number;
}

/** Runs createConnection and resolves with everything the callback saw. */
function attempt(
  loop: EventLoop,
  options: ConnectOptions,
  during?: (req: { cancel(reason?: unknown): void }) => void,
): Promise<Outcome> {
  return new Promise((resolvePromise) => {
    let returned = false;
    const out: Outcome = { err: null, sync: false, calls: 0, factoryCalls: 0 };
    const req = createConnection(
      loop,
      () => {
        out.factoryCalls++;
        return new Recorder();
      },
      options,
      (err, transport, protocol) => {
        out.calls++;
        out.sync = !returned;
        Object.assign(out, { err, transport, protocol });
        // Report one loop turn later, so a second (wrong) call would be counted.
        loop.callLater(5, () => resolvePromise(out));
      },
    );
    returned = true;
    during?.(req);
  });
}

/** A TCP listener that never accepts, its queue filled by one connection: SYNs are dropped. */
async function fullBacklog(loop: EventLoop): Promise<{ port: number; release: () => void }> {
  const fd = socket(sys.AF_INET, 'stream');
  bind(fd, { family: 'ipv4', address: '127.0.0.1', port: 0 });
  listen(fd, 0); // Linux queues one connection for backlog 0; the next SYN is dropped
  const { port } = getsockname(fd) as { port: number };
  const filler = await deadline(
    loop,
    5000,
    'filler',
    dial(loop, () => new Recorder(), { host: '127.0.0.1', port }),
  );
  return {
    port,
    release() {
      filler.transport.abort();
      close(fd);
    },
  };
}

forEachBackend('createConnection', (backend) => {
  test('nobody listening: ConnectionRefusedError, no protocol, no descriptor left', async () => {
    const errors = await withLoop(backend, async (loop) => {
      // A bound socket that does not listen holds the port, so the refusal is certain.
      const holder = socket(sys.AF_INET, 'stream');
      bind(holder, { family: 'ipv4', address: '127.0.0.1', port: 0 });
      const { port } = getsockname(holder) as { port: number };
      const fds = fdSnapshot();
      const o = await attempt(loop, { host: '127.0.0.1', port });
      assert.deepEqual(fdsOpenedSince(fds), [], 'the failed socket was closed');
      close(holder);
      assert.ok(isCode('NBIO_CONNECTION_REFUSED')(o.err), String(o.err));
      assert.match(o.err!.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.ok(o.err!.cause instanceof OsError && o.err!.cause.code === 'ECONNREFUSED');
      assert.deepEqual(
        [o.transport, o.protocol, o.factoryCalls, o.calls, o.sync],
        [undefined, undefined, 0, 1, false],
      );
      const u = await attempt(loop, { path: '/tmp/nbio-nobody-listens-here.sock' });
      assert.ok(isCode('NBIO_CONNECTION_REFUSED')(u.err), String(u.err));
    });
    assert.deepEqual(errors, []);
  });

  test('timeoutMs against a listener whose queue is full: TimeoutError', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const full = await fullBacklog(loop);
      const fds = fdSnapshot();
      const o = await attempt(loop, { host: '127.0.0.1', port: full.port, timeoutMs: 50 });
      assert.deepEqual(fdsOpenedSince(fds), []);
      full.release();
      assert.ok(isCode('NBIO_TIMEOUT')(o.err), String(o.err));
      assert.match(o.err!.message, /50 ms/);
      assert.deepEqual([o.factoryCalls, o.calls, o.sync], [0, 1, false]);
    });
    assert.deepEqual(errors, []);
  });

  test('a signal aborted before the call: AbortedError with the reason, never synchronous', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const ac = new AbortController();
      const reason = new Error('user gave up');
      ac.abort(reason);
      const fds = fdSnapshot();
      const o = await attempt(loop, { host: '127.0.0.1', port: 9, signal: ac.signal });
      assert.deepEqual(fdsOpenedSince(fds), []);
      assert.ok(isCode('NBIO_ABORTED')(o.err), String(o.err));
      assert.equal(o.err!.cause, reason);
      assert.deepEqual([o.factoryCalls, o.calls, o.sync], [0, 1, false]);
    });
    assert.deepEqual(errors, []);
  });

  test('aborted or cancelled while connecting: AbortedError, the pending socket closed', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const full = await fullBacklog(loop);
      const fds = fdSnapshot();
      const ac = new AbortController();
      const viaSignal = attempt(loop, { host: '127.0.0.1', port: full.port, signal: ac.signal }, () =>
        loop.callLater(20, () => ac.abort('shutdown')),
      );
      const viaCancel = attempt(loop, { host: '127.0.0.1', port: full.port }, (req) =>
        loop.callLater(20, () => {
          req.cancel('no longer needed');
          req.cancel('twice'); // no-op
        }),
      );
      const [a, c] = await deadline(loop, 5000, 'aborts', Promise.all([viaSignal, viaCancel]));
      assert.deepEqual(fdsOpenedSince(fds), [], 'both pending sockets were closed');
      full.release();
      assert.ok(isCode('NBIO_ABORTED')(a.err), String(a.err));
      assert.equal(a.err!.cause, 'shutdown');
      assert.ok(isCode('NBIO_ABORTED')(c.err), String(c.err));
      assert.equal(c.err!.cause, 'no longer needed');
      for (const o of [a, c]) assert.deepEqual([o.factoryCalls, o.calls], [0, 1]);
    });
    assert.deepEqual(errors, []);
  });

  test('success: connectionMade runs before the callback; cancel afterwards is a no-op', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const server = createServer(loop, () => new Recorder(), { port: 0 });
      const { port } = server.address() as { port: number };
      let req: { cancel(reason?: unknown): void } | null = null;
      const o = await attempt(loop, { host: '127.0.0.1', port, timeoutMs: 5000 }, (r) => {
        req = r;
      });
      assert.equal(o.err, null);
      assert.deepEqual([o.factoryCalls, o.calls, o.sync], [1, 1, false]);
      const p = o.protocol as Recorder;
      assert.equal(p.transport, o.transport, 'connectionMade had run when the callback came');
      req!.cancel('too late');
      o.transport!.write('ok');
      o.transport!.close();
      await deadline(
        loop,
        5000,
        'lost',
        p.until(() => p.lostCount === 1),
      );
      assert.equal(p.lostError, undefined, 'the timeout timer was cancelled on success');
      server.closeConnections(true);
      server.close();
    });
    assert.deepEqual(errors, []);
  });

  test("a name that does not resolve: NameResolutionError; 'localhost' connects through the resolver", async () => {
    const errors = await withLoop(backend, async (loop) => {
      const o = await deadline(
        loop,
        10_000,
        'lookup',
        attempt(loop, { host: 'nbio-test.invalid', port: 80 }),
      );
      assert.ok(isCode('NBIO_NAME_NOT_RESOLVED')(o.err), String(o.err));
      assert.deepEqual([o.factoryCalls, o.calls, o.sync], [0, 1, false]);
      // 'localhost' with the server on 127.0.0.1 only: where the system lists ::1 first, that
      // attempt is refused and the next address connects (here /etc/hosts may list only one).
      const server = createServer(loop, () => new Recorder(), { host: '127.0.0.1', port: 0 });
      const { port } = server.address() as { port: number };
      const order = await new Promise<string[]>((r) =>
        resolve(loop, 'localhost', {}, (_e, addrs) => r(addrs.map((a) => a.family))),
      );
      const l = await deadline(loop, 10_000, 'localhost', attempt(loop, { host: 'localhost', port }));
      assert.equal(l.err, null, `localhost (${order.join(', ')}) connects`);
      assert.equal(l.transport!.getExtraInfo('peername')?.family, 'ipv4');
      l.transport!.abort();
      server.closeConnections(true);
      server.close();
      // Its worker threads hold descriptors. closeResolver reports from Node's event loop,
      // which an owner-mode loop blocked in poll()/select() would starve: keep a timer ticking.
      let closed = false;
      const tick = () => {
        if (!closed) loop.callLater(5, tick);
      };
      tick();
      await deadline(
        loop,
        10_000,
        'resolver closed',
        new Promise<void>((r) =>
          closeResolver(loop, () => {
            closed = true;
            r();
          }),
        ),
      );
    });
    assert.deepEqual(errors, []);
  });

  test('bad options throw InvalidArgumentError at once and the callback never runs', async () => {
    const errors = await withLoop(backend, async (loop) => {
      let called = 0;
      const bad: object[] = [
        {},
        { port: 0 },
        { port: 70000 },
        { host: 'a b', port: 80 },
        { host: '127.0.0.1', port: 80, path: '/tmp/x.sock' },
        { path: '' },
        { host: '127.0.0.1', port: 80, timeoutMs: -1 },
        { host: '127.0.0.1', port: 80, timeoutMs: Number.NaN },
        { host: '127.0.0.1', port: 80, signal: {} },
        { host: '127.0.0.1', port: 80, family: 'ipv5' },
        { host: '127.0.0.1', port: 80, family: 'ipv6' },
      ];
      const fds = fdSnapshot();
      for (const opts of bad) {
        assert.throws(
          () =>
            createConnection(
              loop,
              () => new Recorder(),
              opts,
              () => called++,
            ),
          isCode('NBIO_INVALID_ARGUMENT'),
          JSON.stringify(opts),
        );
      }
      assert.throws(() => createConnection(loop, () => new Recorder(), { port: 80 }, null as never));
      await new Promise<void>((r) => loop.callLater(10, r));
      assert.equal(called, 0);
      assert.deepEqual(fdsOpenedSince(fds), []);
    });
    assert.deepEqual(errors, []);
  });
});
