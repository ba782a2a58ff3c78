// unref() while connecting, as net's: the connection attempt itself keeps the process alive
// (libuv's loop stays alive while any request is active, and a connect is a request; the
// handle's unref() only releases it once connected). Measured on Node v20 with the same
// program on Node's own net (the peer below, in the same run): it does not exit while the
// attempt is in flight. The attempt is made to hang by a loopback listener whose accept queue
// is full (Linux drops the SYN), made here with nbio's system calls and never accepted from.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sys } from '../sys/constants.ts';
import { close } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { bind, connect, getsockname, listen, socket } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';

const mod = (file: string): string => JSON.stringify(new URL(file, import.meta.url).href);

/** A loopback listener (backlog 0) whose queue is filled by connections nobody accepts. */
function fullListener(): { port: number; fds: number[] } {
  const listener = socket(sys.AF_INET, 'stream');
  const fds = [listener];
  try {
    bind(listener, { family: 'ipv4', address: '127.0.0.1', port: 0 });
    listen(listener, 0);
    const addr = getsockname(listener) as SocketAddress & { port: number };
    for (let i = 0; i < 3; i++) {
      const fd = socket(sys.AF_INET, 'stream');
      fds.push(fd);
      connect(fd, addr);
    }
    return { port: addr.port, fds };
  } catch (err) {
    for (const fd of fds) close(fd);
    throw err;
  }
}

/** Runs `source`; resolves whether it was still running 1 s after its first output line. */
async function aliveAfterFirstLine(args: string[], source: string): Promise<{ alive: boolean; out: string }> {
  const child = spawn(process.execPath, [...args, '--input-type=module', '-e', source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  // 'close', not 'exit': the child's stdio pipes (socket pairs) are closed only by then, and the
  // descriptor check below must not see them (on Node 24 they outlived 'exit' once).
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const startedBy = Date.now() + 30_000;
    while (!out.includes('\n') && child.exitCode === null && Date.now() < startedBy) await sleep(20);
    await sleep(1_000);
    return { alive: child.exitCode === null && child.signalCode === null, out };
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const program = (connectFrom: string, port: number) => `
import { connect } from ${connectFrom};
const s = connect({ port: ${port}, host: '127.0.0.1' });
s.on('connect', () => console.log('connected (the SYN was not dropped: this test proves nothing)'));
s.on('error', (e) => console.log('error ' + e.code));
s.unref();
console.log('connecting ' + s.connecting);
`;

test("an unref()ed socket still connecting keeps the process alive, as on Node's net (same run)", async () => {
  const before = fdSnapshot();
  const { port, fds } = fullListener();
  try {
    const [compat, node] = await Promise.all([
      aliveAfterFirstLine(['--import', 'tsx'], program(mod('./index.ts'), port)),
      aliveAfterFirstLine([], program("'node:net'", port)),
    ]);
    assert.equal(node.out, 'connecting true\n', "Node's net: still connecting");
    assert.equal(node.alive, true, "Node's net keeps the process alive during the attempt");
    assert.equal(compat.out, 'connecting true\n', 'compat: still connecting');
    assert.equal(compat.alive, node.alive, 'compat does as net does');
  } finally {
    for (const fd of fds) close(fd);
  }
  assert.deepEqual(fdsOpenedSince(before), []);
});
