// `nbio echo --mode`: the run mode the server's loop takes (guest or owner), checked on the
// running server (its stderr names selector and mode, and it echoes), and its misuse: an unknown
// mode is a usage error (exit 2), a mode the backend cannot run is NBIO_UNSUPPORTED (exit 1).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '../../src/selector/default-selector.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const backends = availableBackends();

/** Starts `nbio echo` with `args`; resolves once it listens, with its port and banner. */
function startEcho(
  args: string[],
): Promise<{ port: number; banner: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/nbio.mjs', 'echo', '--port', '0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        resolve({
          port: Number(m[1]),
          banner: () => err,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`nbio echo exited early with ${code}: ${err}`)));
  });
}

/** Sends `bytes` bytes, half-closes, and resolves with what came back before the server closed. */
function echoOnce(port: number, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.alloc(bytes, 0x61)));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

describe('nbio echo --mode', () => {
  // io_uring in both modes (what B1 compares), epoll in the mode it does not take by default.
  const configs = [
    ['io_uring', 'guest'],
    ['io_uring', 'owner'],
    ['epoll', 'owner'],
  ] as const;
  for (const [backend, mode] of configs.filter(([b]) => backends.includes(b))) {
    test(`${backend} in ${mode} mode: the loop runs in that mode and echoes`, async () => {
      const server = await startEcho(['--backend', backend, '--mode', mode]);
      let stopped = false;
      try {
        const back = await echoOnce(server.port, 100_000);
        assert.equal(back.length, 100_000);
        assert.ok(back.every((b) => b === 0x61));
        assert.match(server.banner(), new RegExp(`${backend} selector, ${mode} mode`));
        stopped = true;
        assert.equal(await server.stop(), 0, 'exits cleanly on SIGTERM');
      } finally {
        if (!stopped) await server.stop();
      }
    });
  }

  test('an unknown mode is a usage error naming --mode, exit 2', () => {
    const r = spawnSync(process.execPath, ['bin/nbio.mjs', 'echo', '--mode', 'sideways', '--port', '0'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--mode/);
    assert.match(r.stderr, /sideways/);
  });

  test('guest mode on a backend without a pollable descriptor: NBIO_UNSUPPORTED, exit 1', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/nbio.mjs', 'echo', '--backend', 'poll', '--mode', 'guest', '--port', '0'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /guest mode.*NBIO_UNSUPPORTED/);
    assert.match(r.stderr, /owner/, 'the message says what to do');
  });
});
