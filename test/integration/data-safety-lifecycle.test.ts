// Issue 9, defects 2–4: loop.close() releases every connection and server and tells each
// protocol exactly once; a failed EventLoop constructor leaks nothing; the select backend
// reports (and counts) the connections it must refuse because their fd is ≥ FD_SETSIZE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NbioError } from '../../src/errors.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { createConnection } from '../../src/net/connect.ts';
import { createDatagramEndpoint } from '../../src/net/datagram.ts';
import { createServer } from '../../src/net/listener.ts';
import { availableBackends } from '../../src/selector/default-selector.ts';
import { sys } from '../../src/sys/constants.ts';
import { close, isOpen } from '../../src/sys/fd.ts';
import { getNoFileLimit } from '../../src/sys/rlimit.ts';
import { bind, connect, getsockname, listen, send, socket } from '../../src/sys/socket.ts';
import { openFds } from '../../src/testing/fd-count.ts';
import { runFor } from '../../src/testing/loop-configs.ts';
import { fillFdsBelow, forEachConfig, makeConfigLoop, waitPeerEnd } from './fixtures/data-safety.ts';
import { Recorder } from './fixtures/net-harness.ts';

forEachConfig('loop.close() with connections open', (config) => {
  for (const from of ['outside any callback', 'inside dataReceived'] as const) {
    test(`from ${from}: every transport told once, every fd closed, peers see the end`, async () => {
      const { loop, errors } = makeConfigLoop(config);
      const sides: Recorder[] = [];
      let dataAfterClose = 0;
      let closedInside = (): void => {};
      const closedInsidePromise = new Promise<void>((r) => {
        closedInside = r;
      });
      const server = createServer(
        loop,
        () => {
          const r = new Recorder();
          r.onData = () => {
            if (loop.isClosed) dataAfterClose++;
            else if (from === 'inside dataReceived' && sides.every((s) => s.received > 0)) {
              loop.stop();
              loop.close();
              closedInside();
            }
          };
          sides.push(r);
          return r;
        },
        { host: '127.0.0.1', port: 0 },
      );
      const { port } = server.address() as { port: number };
      const peers = [0, 1, 2].map(() => {
        const fd = socket(sys.AF_INET, 'stream');
        connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
        return fd;
      });
      try {
        await runFor(
          loop,
          async () => {
            await new Promise<void>((resolve) => {
              const poll = () =>
                sides.length === 3 && sides.every((s) => s.transport) ? resolve() : loop.callLater(1, poll);
              poll();
            });
            // Each peer sends twice; the second lands while (or after) the loop closes.
            for (const fd of peers) send(fd, Buffer.from('one'));
            if (from === 'inside dataReceived') {
              await closedInsidePromise;
              return;
            }
            await new Promise<void>((resolve) => {
              const poll = () => (sides.every((s) => s.received > 0) ? resolve() : loop.callLater(1, poll));
              poll();
            });
            for (const fd of peers) send(fd, Buffer.from('two'));
          },
          5000,
        );
        if (!loop.isClosed) loop.close();
        assert.equal(dataAfterClose, 0, 'no dataReceived after close()');
        for (const s of sides) {
          assert.equal(s.lostCount, 1, 'connectionLost exactly once');
          assert.equal((s.lostError as NbioError | undefined)?.code, 'NBIO_CLOSED');
          assert.match(String(s.lostError?.message), /event loop was closed/);
          assert.equal(s.events.at(-1), 'lost');
        }
        assert.equal(server.isListening, false, 'the server closed its listening socket');
        assert.equal(server.stats().activeConnections, 0);
        for (const s of sides) assert.equal(isOpen(s.transport!.getExtraInfo('fd')), false);
        for (const fd of peers) assert.ok(await waitPeerEnd(fd), 'the peer saw the connection end');
        assert.deepEqual(errors, []);
      } finally {
        loop.close();
        for (const fd of peers) close(fd);
      }
    });
  }
});

forEachConfig('loop.close() called again from a connectionLost it triggered', (config) => {
  test('returns at once; every transport is still told once and closed', async () => {
    const { loop, errors } = makeConfigLoop(config);
    const sides: Recorder[] = [];
    const server = createServer(
      loop,
      () => {
        const r = new Recorder();
        const lost = r.connectionLost.bind(r);
        r.connectionLost = (e?: Error) => {
          lost(e);
          loop.close(); // re-entrant: must not close the selector under the outer close()
        };
        sides.push(r);
        return r;
      },
      { host: '127.0.0.1', port: 0 },
    );
    const { port } = server.address() as { port: number };
    const peers = [0, 1].map(() => {
      const fd = socket(sys.AF_INET, 'stream');
      connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
      return fd;
    });
    try {
      await runFor(
        loop,
        async () => {
          await new Promise<void>((resolve) => {
            const poll = () =>
              sides.length === 2 && sides.every((s) => s.transport) ? resolve() : loop.callLater(1, poll);
            poll();
          });
        },
        5000,
      );
      loop.close();
      assert.equal(loop.isClosed, true);
      for (const s of sides) assert.equal(s.lostCount, 1);
      for (const s of sides) assert.equal(isOpen(s.transport!.getExtraInfo('fd')), false);
      assert.deepEqual(errors, []);
    } finally {
      loop.close();
      for (const fd of peers) close(fd);
    }
  });
});

forEachConfig('loop.close() while connecting', (config) => {
  for (const when of ['before the attempt started', 'with the connect in progress'] as const) {
    test(`${when}: the socket is closed and the callback gets NBIO_CLOSED, once`, async () => {
      const { loop, errors } = makeConfigLoop(config);
      // A listener that never accepts, its queue (backlog 0) filled by one raw connection: a
      // further connect() stays in progress (the kernel drops its SYNs).
      const listener = socket(sys.AF_INET, 'stream');
      bind(listener, { family: 'ipv4', address: '127.0.0.1', port: 0 });
      listen(listener, 0);
      const addr = getsockname(listener) as { family: 'ipv4'; address: string; port: number };
      const filler = [socket(sys.AF_INET, 'stream'), socket(sys.AF_INET, 'stream')];
      for (const fd of filler) {
        try {
          connect(fd, addr);
        } catch {}
      }
      const results: (Error | null)[] = [];
      try {
        createConnection(
          loop,
          () => new Recorder(),
          { host: '127.0.0.1', port: addr.port },
          (err) => results.push(err),
        );
        if (when === 'with the connect in progress') {
          await runFor(loop, () => new Promise<void>((r) => loop.callLater(30, r)), 5000);
          assert.deepEqual(results, [], 'still connecting');
        }
        loop.close();
        assert.equal(results.length, 1, 'called back once, inside close()');
        assert.equal((results[0] as NbioError | null)?.code, 'NBIO_CLOSED');
        assert.deepEqual(errors, []);
      } finally {
        loop.close();
        for (const fd of [...filler, listener]) close(fd);
      }
    });
  }
});

forEachConfig('loop.close() with datagram endpoints open', (config) => {
  test('each endpoint: fd closed, connectionLost once inside close(), nothing after', async () => {
    const { loop, errors } = makeConfigLoop(config);
    const events: string[][] = [[], []];
    const endpoints = events.map((ev) =>
      createDatagramEndpoint(
        loop,
        () => ({
          connectionMade: () => ev.push('made'),
          datagramReceived: () => ev.push(loop.isClosed ? 'data after close' : 'data'),
          connectionLost: () => ev.push('lost'),
        }),
        { localAddress: { host: '127.0.0.1', port: 0 } },
      ),
    );
    try {
      await runFor(loop, () => new Promise<void>((r) => loop.callLater(5, r)), 5000);
      const fds = endpoints.map((t) => t.getExtraInfo('fd'));
      loop.close();
      for (const ev of events) assert.deepEqual(ev, ['made', 'lost']);
      for (const fd of fds) assert.equal(isOpen(fd), false);
      assert.deepEqual(errors, []);
    } finally {
      loop.close();
    }
  });
});

/** These need descriptor numbers past FD_SETSIZE: skip where the soft limit forbids them. */
const fewFds =
  (Number(getNoFileLimit().soft) < sys.FD_SETSIZE + 256 &&
    'RLIMIT_NOFILE is too low to open fds past FD_SETSIZE') ||
  (!availableBackends().includes('select') && 'no select backend here');

test('a failed EventLoop constructor (select, eventfd ≥ 1024) leaks no descriptor', { skip: fewFds }, () => {
  const filler = fillFdsBelow(sys.FD_SETSIZE);
  try {
    const before = openFds();
    for (let i = 0; i < 10; i++) {
      assert.throws(
        () => new EventLoop({ selector: 'select' }),
        (e: NbioError) => e.code === 'NBIO_FD_TOO_LARGE' && /poll or epoll/.test(e.message),
      );
    }
    assert.deepEqual(openFds(), before, 'the same descriptors are open');
  } finally {
    for (const fd of filler) close(fd);
  }
});

test(
  'select: accepted fds ≥ FD_SETSIZE are refused, reported with NBIO_FD_TOO_LARGE and counted',
  { skip: fewFds },
  async () => {
    const { loop, errors } = makeConfigLoop({ backend: 'select', mode: 'owner' });
    let made = 0;
    const server = createServer(
      loop,
      () => {
        made++;
        return new Recorder();
      },
      { host: '127.0.0.1', port: 0 },
    );
    const { port } = server.address() as { port: number };
    const filler = fillFdsBelow(sys.FD_SETSIZE);
    const peers: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const fd = socket(sys.AF_INET, 'stream');
        peers.push(fd);
        connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
      }
      await runFor(
        loop,
        async () => {
          await new Promise<void>((resolve) => {
            const poll = () => (server.stats().refusedFdTooLarge === 3 ? resolve() : loop.callLater(1, poll));
            poll();
          });
        },
        5000,
      );
      assert.equal(made, 0, 'no protocol was made for a connection that cannot be served');
      assert.equal(server.stats().accepted, 3);
      assert.equal(server.stats().activeConnections, 0);
      assert.equal(errors.length, 3, 'each refusal reported');
      for (const ctx of errors) {
        const e = ctx.error as NbioError;
        assert.equal(e.code, 'NBIO_FD_TOO_LARGE');
        assert.match(e.message, /poll or epoll/);
        assert.ok(ctx.fd >= sys.FD_SETSIZE);
      }
      for (const fd of peers) assert.ok(await waitPeerEnd(fd), 'the refused client sees the end');
    } finally {
      server.close();
      loop.close();
      for (const fd of [...peers, ...filler]) close(fd);
    }
  },
);
