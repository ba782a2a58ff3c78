// ioredis — code nobody here wrote — talking to a real redis-server through nbio sockets.
// ioredis opens its socket with net.createConnection and has no documented option to inject
// one, so the client is constructed under patchNet() (gevent's move), and the test proves with
// nbio's own counters that nbio carried the traffic. Then the server is killed mid-pipeline:
// the client sees a clean error, the loop keeps serving, every descriptor is released.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { compatStats } from '../../src/compat/compat-stats.ts';
import { connect } from '../../src/compat/create-connection.ts';
import { patchNet, unpatchNet } from '../../src/compat/patch-net.ts';
import { createServer } from '../../src/compat/server.ts';
import { type AddressInfo, Socket } from '../../src/compat/socket.ts';
import {
  defaultAndPoll,
  describeWithFdCheck,
  type LoopCase,
  nextEvent,
  onLoop,
  until,
  within,
} from '../../src/compat/test-support.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';
import { type RedisServer, redisServerPath, startRedisServer } from './fixtures/redis-server.ts';

const skip = redisServerPath() === null && 'redis-server is not installed (apt-get install -y redis-server)';
if (skip) console.log(`# compat-redis skipped: ${skip}`);

/** An ioredis client built while `net` is patched, so its socket is an nbio one. */
async function nbioRedis(
  c: LoopCase,
  loop: EventLoop,
  port: number,
): Promise<{ client: Redis; socket: Socket }> {
  patchNet(c.backend === 'default' ? {} : { loop });
  let client: Redis;
  try {
    client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      retryStrategy: () => null, // no reconnection: a dead server must surface as an error
      maxRetriesPerRequest: 0,
    });
    // ioredis creates its socket on the next tick of connect(): keep net patched until ready.
    await within(loop, 5000, 'ioredis ready', client.connect());
  } finally {
    unpatchNet();
  }
  const socket = (client as unknown as { stream: unknown }).stream;
  assert.ok(socket instanceof Socket, 'ioredis’s stream is an nbio compat socket');
  assert.equal(socket.loop, loop);
  return { client, socket };
}

/** Waits for a client to reach `end` (no reconnection), with the loop waking to see it. */
async function quit(loop: EventLoop, client: Redis): Promise<void> {
  if (client.status !== 'end') client.disconnect();
  await until(loop, 'ioredis end', () => client.status === 'end');
}

describeWithFdCheck('ioredis through nbio sockets (patchNet)', () => {
  for (const c of defaultAndPoll()) {
    test(`commands, a large value and pipelines (${c.name})`, { skip }, async () => {
      const redis = await startRedisServer();
      try {
        await onLoop(c, async (loop) => {
          const stats0 = compatStats();
          const io0 = loop.stats().ioCallbacks;
          const { client, socket } = await nbioRedis(c, loop, redis.port);
          assert.equal(await client.set('nbio:greeting', 'hello'), 'OK');
          assert.equal(await client.get('nbio:greeting'), 'hello');
          const big = 'x'.repeat(1024 * 1024);
          await client.set('nbio:big', big);
          assert.equal((await client.get('nbio:big'))?.length, big.length);
          const pipe = client.pipeline();
          for (let i = 0; i < 100; i++) pipe.set(`nbio:k${i}`, String(i)).incr(`nbio:k${i}`);
          const results = (await pipe.exec()) ?? [];
          assert.equal(results.length, 200);
          for (let i = 0; i < 100; i++) {
            assert.deepEqual(results[2 * i], [null, 'OK']);
            assert.deepEqual(results[2 * i + 1], [null, i + 1]);
          }
          assert.deepEqual(await client.mget('nbio:k0', 'nbio:k99'), ['1', '100']);
          const t = socket.transport?.stats();
          assert.ok((t?.bytesWritten ?? 0) > big.length, 'the nbio transport sent the requests');
          assert.ok((t?.bytesRead ?? 0) > big.length, 'the nbio transport received the replies');
          const stats = compatStats();
          assert.equal(stats.patchedCalls - stats0.patchedCalls, 1, 'one socket, made through patched net');
          assert.ok(stats.bytesRead - stats0.bytesRead > big.length);
          assert.ok(loop.stats().ioCallbacks > io0, 'the nbio loop dispatched the I/O');
          await quit(loop, client);
          await until(loop, 'socket closed', () => socket.destroyed && socket.transport?.stats().fd === -1);
        });
      } finally {
        await redis.stop();
      }
    });

    test(
      `a server killed mid-pipeline: a clean error, the loop goes on, fds released (${c.name})`,
      { skip },
      async () => {
        let redis: RedisServer | null = await startRedisServer();
        try {
          await onLoop(c, async (loop) => {
            const { client, socket } = await nbioRedis(c, loop, (redis as RedisServer).port);
            const errors: NodeJS.ErrnoException[] = [];
            client.on('error', (e) => errors.push(e));
            const before = socket.bytesRead;
            // BLPOP on a key nobody pushes blocks the server: the reply to GET never comes.
            const pending = client.pipeline().set('nbio:k', 'v').blpop('nbio:never', 0).get('nbio:k').exec();
            await until(loop, 'the SET reply', () => socket.bytesRead > before);
            const server = redis as RedisServer;
            server.process.kill('SIGKILL');
            const results = (await within(loop, 5000, 'pipeline settles', pending)) ?? [];
            assert.deepEqual(results[0], [null, 'OK'], 'the reply that came is kept');
            for (const [err] of results.slice(1)) {
              assert.ok(err instanceof Error, 'the unanswered commands fail with an error');
              assert.match(err.message, /connection/i);
            }
            await quit(loop, client);
            for (const e of errors)
              assert.match(String(e.code), /^(ECONNRESET|EPIPE)$/, 'a net-shaped error');
            await until(loop, 'redis-server gone', () => server.exited);
            await server.stop();
            redis = null;
            assert.equal(socket.destroyed, true);
            assert.equal(socket.transport?.stats().fd, -1, 'the client descriptor is closed');

            // The loop keeps serving: a fresh nbio connection round trip on the same loop.
            const echo = createServer({ loop }, (s) => s.pipe(s));
            echo.listen(0, '127.0.0.1');
            await nextEvent(loop, echo, 'listening');
            const s = connect({ loop, port: (echo.address() as AddressInfo).port, host: '127.0.0.1' });
            let got = '';
            s.on('data', (d: Buffer) => (got += d));
            const closed = nextEvent(loop, s, 'close');
            s.end('still serving');
            await closed;
            assert.equal(got, 'still serving');
            const echoClosed = nextEvent(loop, echo, 'close');
            echo.close();
            await echoClosed;
          });
        } finally {
          await redis?.stop();
        }
      },
    );
  }
});
