// nbio http's arguments: defaults, each flag, and a typed error naming the bad flag. (The
// server itself is exercised by test/integration/http-server-cli.test.ts with real clients.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpArgs } from './http.ts';

test('defaults and flags', () => {
  assert.deepEqual(parseHttpArgs([]), { port: 8080, host: '127.0.0.1' });
  assert.deepEqual(parseHttpArgs(['--port', '0', '--host', '::1', '--backend', 'poll']), {
    port: 0,
    host: '::1',
    backend: 'poll',
  });
});

test('bad values are InvalidArgumentErrors that name the flag', () => {
  for (const [argv, flag] of [
    [['--port', '70000'], '--port'],
    [['--port', 'x'], '--port'],
    [['--backend', 'iocp'], '--backend'],
    [['--port'], '--port'],
    [['--nope', '1'], '--nope'],
  ] as const) {
    assert.throws(
      () => parseHttpArgs(argv),
      (e: unknown) =>
        (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT' && (e as Error).message.includes(flag),
    );
  }
});
