// HttpClient and fetch on every loop, against the tiny nbio server of test-support.ts (the
// integration tests in test/integration/http-client*.test.ts use Node's http and nginx).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs, runFor } from '../../testing/loop-configs.ts';
import { defaultClient, fetch } from './fetch.ts';
import { HttpClient } from './http-client.ts';
import { miniHttpServer } from './test-support.ts';

for (const config of loopConfigs()) {
  test(`request, stats, redirect field rules, default client, close (${config.backend} ${config.mode})`, async () => {
    const fds = fdSnapshot();
    const loop = new EventLoop({ selector: config.backend, mode: config.mode });
    try {
      await runFor(loop, async () => {
        const seen: Record<string, string>[] = [];
        const other = miniHttpServer(loop, (req) => {
          seen.push(req.headers);
          return { status: 200, body: 'other origin' };
        });
        const mini = miniHttpServer(loop, (req) => {
          seen.push(req.headers);
          if (req.path === '/away') return { status: 302, headers: { location: `${other.base}/there` } };
          if (req.path === '/short')
            return { status: 200, headers: { 'keep-alive': 'timeout=1' }, body: 's' };
          if (req.path === '/long') return { status: 200, headers: { 'keep-alive': 'timeout=3' }, body: 'l' };
          return {
            status: 200,
            headers: { 'set-cookie': 'a=1', 'Set-Cookie': 'b=2', 'x-multi': 'one' },
            body: 'here',
          };
        });
        const client = new HttpClient(loop, { maxSocketsPerOrigin: 4 });
        const res = await client.request(`${mini.base}/x`, {
          headers: { authorization: 'Bearer t', 'x-latin': 'café' },
        });
        assert.equal(seen[0]?.['x-latin'], 'café', 'field values go out as latin1 bytes');
        assert.equal(res.httpVersion, '1.1');
        assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
        assert.deepEqual([...res.headers.keys()], ['content-length', 'set-cookie', 'set-cookie', 'x-multi']);
        assert.equal(res.toResponse().headers.get('x-multi'), 'one');
        assert.equal(await res.text(), 'here');
        await assert.rejects(res.text(), { code: 'NBIO_INVALID_ARGUMENT' }, 'a body is read once');

        // Cross-origin redirect: Authorization is not carried to the other origin.
        const moved = await fetch(loop, `${mini.base}/away`, {
          client,
          headers: { authorization: 'Bearer t', 'x-keep': '1' },
        });
        assert.equal(await moved.text(), 'other origin');
        const last = seen[seen.length - 1] ?? {};
        assert.equal(last.authorization, undefined);
        assert.equal(last['x-keep'], '1');
        assert.equal(last.host, new URL(other.base).host);

        const s = client.stats();
        assert.equal(s.connected, 2);
        assert.deepEqual(
          Object.keys(s.origins).sort(),
          [new URL(mini.base).host, new URL(other.base).host].sort(),
        );

        // The server's Keep-Alive hint: timeout=1 leaves no time to reuse, timeout=3 keeps it.
        const hints = new HttpClient(loop);
        assert.equal(await (await hints.request(`${mini.base}/short`)).text(), 's');
        assert.equal(hints.stats().idle, 0, 'Keep-Alive: timeout=1 is closed at once');
        assert.equal(await (await hints.request(`${mini.base}/long`)).text(), 'l');
        assert.equal(hints.stats().idle, 1, 'Keep-Alive: timeout=3 is kept (for 2 s)');
        hints.close();

        // Many origins: empty pools are swept past 64 (here: 70 ports of this test's range, 26900–26969, where nobody listens).
        const wide = new HttpClient(loop, { connectTimeoutMs: 2000 });
        for (let i = 0; i < 70; i++) await wide.request(`http://127.0.0.1:${26900 + i}/`).catch(() => null);
        assert.ok(Object.keys(wide.stats().origins).length <= 64, 'pools that hold nothing are dropped');
        wide.close();

        assert.equal(defaultClient(loop), defaultClient(loop), 'one default client per loop');
        assert.equal(await (await fetch(loop, `${mini.base}/y`)).text(), 'here');

        assert.throws(() => new HttpClient(loop, { idleTimeoutMs: 0 }), { code: 'NBIO_INVALID_ARGUMENT' });
        assert.throws(() => client.request(`${mini.base}/`, { signal: 'no' as unknown as AbortSignal }), {
          code: 'NBIO_INVALID_ARGUMENT',
        });
        client.close();
        assert.equal(client.isClosed, true);
        await assert.rejects(client.request(`${mini.base}/`), { code: 'NBIO_CLOSED' });
        mini.server.close();
        other.server.close();
      });
    } finally {
      loop.close(); // closes the default client too
    }
    assert.deepEqual(fdsOpenedSince(fds), []);
  });
}
