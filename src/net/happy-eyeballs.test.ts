// Happy Eyeballs in createConnection: families interleaved (RFC 8305 §4), a slow address
// abandoned after attemptTimeoutMs, a refused one skipped at once, every attempt reported; on
// every backend, with no descriptor left behind. The slow address is a listener on 127.0.0.2
// whose queue is full (its SYNs are dropped), the refused one 127.0.0.3: loopback only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deadline,
  dial,
  forEachBackend,
  Recorder,
  withLoop,
} from '../../test/integration/fixtures/net-harness.ts';
import { InvalidArgumentError } from '../errors.ts';
import { sys } from '../sys/constants.ts';
import { close } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { bind, getsockname, listen, socket } from '../sys/socket.ts';
import { createConnection } from './connect.ts';
import { interleaveFamilies } from './happy-eyeballs.ts';
import { createServer } from './listener.ts';

const v4 = (address: string): SocketAddress => ({ family: 'ipv4', address, port: 1 });
const v6 = (address: string): SocketAddress => ({ family: 'ipv6', address, port: 1 });

test('interleaveFamilies alternates from the first address’s family, keeping each family’s order', () => {
  const out = interleaveFamilies([v6('::a'), v6('::b'), v6('::c'), v4('1.0.0.1'), v4('1.0.0.2')]);
  assert.deepEqual(
    out.map((a) => (a.family === 'unix' ? '' : a.address)),
    ['::a', '1.0.0.1', '::b', '1.0.0.2', '::c'],
  );
  const first4 = interleaveFamilies([v4('1.0.0.1'), v6('::a'), v6('::b')]);
  assert.deepEqual(
    first4.map((a) => (a.family === 'unix' ? '' : a.address)),
    ['1.0.0.1', '::a', '::b'],
  );
  assert.deepEqual(interleaveFamilies([]), []);
});

test('bad Happy Eyeballs options throw InvalidArgumentError', () => {
  const loop = { isClosed: false } as never; // never reached: the options are checked first
  const cb = () => {};
  const bad = [
    { addresses: [] },
    { addresses: ['example.com'] },
    { addresses: '127.0.0.1' as unknown as string[] },
    { attemptTimeoutMs: 0 },
    { onAttempt: 5 as unknown as () => void },
  ];
  for (const o of bad) {
    assert.throws(
      () => createConnection(loop, () => new Recorder(), { host: 'x', port: 1, ...o }, cb),
      InvalidArgumentError,
      JSON.stringify(o),
    );
  }
});

forEachBackend('Happy Eyeballs', (backend) => {
  test('a slow address is abandoned after attemptTimeoutMs, a refused one skipped, the next connects', async () => {
    const errors = await withLoop(backend, async (loop) => {
      // The slow one: a listener that never accepts, its one-connection queue filled.
      const slow = socket(sys.AF_INET, 'stream');
      bind(slow, { family: 'ipv4', address: '127.0.0.2', port: 0 });
      listen(slow, 0);
      const { port } = getsockname(slow) as { port: number };
      const filler = await deadline(
        loop,
        5000,
        'filler',
        dial(loop, () => new Recorder(), { host: '127.0.0.2', port }),
      );
      const server = createServer(loop, () => new Recorder(), { host: '127.0.0.1', port });
      const seen: string[] = [];
      const done = new Promise<Error | null>((resolve) => {
        createConnection(
          loop,
          () => new Recorder(),
          {
            host: 'example.test', // names the attempt in messages only
            port,
            addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.1'],
            attemptTimeoutMs: 50,
            onAttempt: (a, err) => {
              const where = a.family === 'unix' ? a.path : a.address;
              seen.push(
                // The OsError's code: the error itself (a timeout) or its cause (a refusal).
                err === null ? where : `${where} ${((err.cause ?? err) as { code?: string }).code}`,
              );
            },
          },
          (err, transport) => {
            transport?.abort();
            resolve(err);
          },
        );
      });
      const err = await deadline(loop, 5000, 'happy eyeballs', done);
      assert.equal(err, null);
      assert.deepEqual(seen, [
        '127.0.0.2',
        '127.0.0.2 ETIMEDOUT',
        '127.0.0.3',
        '127.0.0.3 ECONNREFUSED',
        '127.0.0.1',
      ]);
      server.close();
      filler.transport.abort();
      close(slow);
    });
    assert.deepEqual(errors, []);
  });
});
