// UringAcceptor on a real io_uring loop (guest and owner mode): one multishot ACCEPT serves
// many connections; a request the kernel ends (a CQE without IORING_CQE_F_MORE) is re-armed;
// stop() while armed cancels it, so the listening socket really goes away, no connection is
// delivered after it and every descriptor is closed exactly once. Servers on io_uring use it
// through createServer (listener.test.ts runs on io_uring too).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sleep } from '../../test/integration/fixtures/net-harness.ts';
import type { CompletionQueue } from '../completion/completion.ts';
import { EventLoop, type RunMode } from '../loop/event-loop.ts';
import { sys } from '../sys/constants.ts';
import { close as closeFd, isNonBlocking } from '../sys/fd.ts';
import { IoUring } from '../sys/io-uring.ts';
import type { Ipv4Address } from '../sys/sockaddr.ts';
import { bind, connect, getSocketError, getsockname, listen, recv, send, socket } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { UringAcceptor } from './uring-acceptor.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# UringAcceptor tests skipped: ${a.reason}`);

const ECONNREFUSED = 111;

function listenLoopback(): { fd: number; port: number } {
  const fd = socket(sys.AF_INET, 'stream');
  bind(fd, { family: 'ipv4', address: '127.0.0.1', port: 0 });
  listen(fd, 64);
  return { fd, port: (getsockname(fd) as Ipv4Address).port };
}

function dial(port: number): number {
  const fd = socket(sys.AF_INET, 'stream');
  connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
  return fd;
}

/** Resolves once `cond()` holds (checked every ms of loop time), rejects after `ms`. */
function until(loop: EventLoop, cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) =>
    loop.callLater(0, function check() {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error(`timed out: ${what}`));
      else loop.callLater(1, check);
    }),
  );
}

const serverOnly = `
import { EchoProtocol } from './src/cli/echo.ts';
import { EventLoop } from './src/loop/event-loop.ts';
import { createServer } from './src/net/listener.ts';
const loop = new EventLoop({ selector: 'io_uring' });
const server = createServer(loop, () => new EchoProtocol(), { host: '127.0.0.1', port: 0 });
console.log(String(server.address().port));
`;

test('a guest loop whose only work is an io_uring server keeps the process alive', { skip }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', serverOnly], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', (code) =>
        reject(new Error(`the server process exited (code ${code}) while listening`)),
      );
    });
    // Give a process that would exit on its own the time to do so, then talk to it.
    await new Promise((r) => setTimeout(r, 300));
    const fd = dial(port);
    try {
      const msg = Buffer.from('still here?');
      const got = Buffer.alloc(64);
      let sent = false;
      let n = 0;
      for (let i = 0; i < 200 && n === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        assert.equal(getSocketError(fd), 0, 'the server is still there');
        if (!sent) sent = send(fd, msg) === msg.length;
        else n = Math.max(0, recv(fd, got));
      }
      assert.equal(got.toString('utf8', 0, n), 'still here?');
      assert.equal(child.exitCode, null);
    } finally {
      closeFd(fd);
    }
  } finally {
    child.kill('SIGKILL');
  }
});

for (const mode of ['guest', 'owner'] as RunMode[]) {
  describe(`UringAcceptor (${mode} mode)`, { skip }, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('one multishot request accepts many connections; a request that ends is re-armed', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const lis = listenLoopback();
      const accepted: number[] = [];
      const clients: number[] = [];
      const failures: number[] = [];
      const acc = new UringAcceptor(loop.completion as CompletionQueue, lis.fd, {
        accepted: (fd) => accepted.push(fd),
        failed: (errno) => failures.push(errno),
      });
      try {
        await runFor(loop, async () => {
          acc.start();
          for (let i = 0; i < 8; i++) clients.push(dial(lis.port));
          await until(loop, () => accepted.length === 8, '8 connections accepted');
          assert.equal(acc.arms, 1, 'one request for 8 connections');
          assert.ok(acc.opId !== 0, 'still armed (IORING_CQE_F_MORE)');
          for (const fd of accepted) assert.ok(isNonBlocking(fd), 'accepted with SOCK_NONBLOCK');

          // End the request from outside: its last CQE (−ECANCELED, no F_MORE) is not the
          // acceptor's own stop, so it must arm a new one.
          const first = acc.opId;
          (loop.completion as CompletionQueue).cancel(first);
          await until(loop, () => acc.arms === 2 && acc.opId !== 0 && acc.opId !== first, 're-armed');
          clients.push(dial(lis.port));
          await until(loop, () => accepted.length === 9, 'accepted after the re-arm');
          assert.deepEqual(failures, [], 'a cancel is not reported as a failure');
          acc.stop();
          await until(loop, () => acc.opId === 0, 'stopped');
        });
      } finally {
        acc.stop();
        for (const fd of [...accepted, ...clients, lis.fd]) closeFd(fd);
        loop.close();
      }
    });

    test('stop() while armed: the socket stops listening, nothing is delivered, fds closed once', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const lis = listenLoopback();
      const accepted: number[] = [];
      const clients: number[] = [];
      const acc = new UringAcceptor(loop.completion as CompletionQueue, lis.fd, {
        accepted: (fd) => accepted.push(fd),
        failed: () => {},
      });
      const errors: unknown[] = [];
      loop.setExceptionHandler((err) => errors.push(err));
      try {
        await runFor(loop, async () => {
          acc.start();
          clients.push(dial(lis.port));
          await until(loop, () => accepted.length === 1, 'first connection');
          // Stop, then a connection arrives before the cancel reaches the kernel: the armed
          // request may still accept it; the acceptor must close it, not deliver it.
          acc.stop();
          clients.push(dial(lis.port));
          closeFd(lis.fd);
          await until(loop, () => acc.opId === 0, 'the request ended');
          await sleep(loop, 20);
          assert.equal(accepted.length, 1, 'nothing delivered after stop()');
          assert.ok(acc.closedAfterStop <= 1);
          // The request held the listening socket; once cancelled, the port refuses.
          const probe = dial(lis.port);
          clients.push(probe);
          await until(loop, () => getSocketError(probe) === ECONNREFUSED, 'refused after stop');
          acc.start(); // a stopped acceptor stays stopped
          assert.equal(acc.opId, 0);
        });
        assert.deepEqual(errors, [], 'no close() failed (no descriptor closed twice)');
      } finally {
        for (const fd of [...accepted, ...clients]) closeFd(fd);
        loop.close();
      }
    });

    test('closing the loop with a request armed closes the listener once and leaks nothing', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const lis = listenLoopback();
      const accepted: number[] = [];
      const acc = new UringAcceptor(loop.completion as CompletionQueue, lis.fd, {
        accepted: (fd) => accepted.push(fd),
        failed: () => {},
      });
      const client = dial(lis.port);
      try {
        await runFor(loop, async () => {
          acc.start();
          await until(loop, () => accepted.length === 1, 'accepted');
        });
      } finally {
        loop.close(); // the ring goes, and the request with it
        closeFd(lis.fd);
        for (const fd of [...accepted, client]) closeFd(fd);
      }
    });
  });
}
