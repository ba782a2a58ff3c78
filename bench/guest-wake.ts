/**
 * Where a guest-mode wake's CPU goes, hot, in one process (issue 14, "one wait per wake"):
 *
 * - `uvpoll-koffi` / `uvpoll-libuv`: a libuv watch on one end of a socket pair whose callback
 *   reads the 64 B message and sends the next, so the fd is readable again at once and libuv
 *   calls back on its very next turn. Per wake: libuv's `epoll_pwait`, the callback, `recv`,
 *   `send`. The two ways `UvPoll` reaches libuv (`koffi.node.poll`, or nbio's own `uv_poll_t`
 *   through `src/sys/libuv-poll.ts`) alternate, one block each per round.
 * - `loop-wake`: the same ping through a guest-mode EventLoop (epoll): libuv wakes the loop on
 *   the epoll fd, `runOnce(0)` makes nbio's own `epoll_wait(0)`, the reader `recv`s and `send`s.
 * - `node-net`: the peer, the same ping through Node's `net` on a Unix stream socket (a socket
 *   pair's kind): libuv's `epoll_pwait` returns the socket, Node `read`s and emits 'data', the
 *   handler `write`s the next message on the other end. Per wake: one wait, a read, a write.
 * - `wait-ready` / `wait-empty`: nbio's second wait alone: `epoll_wait(epfd, 0)` through koffi
 *   with one ready (level-triggered, never read) event, and on an empty epoll set.
 *
 * CPU time (`process.cpuUsage`) per wake or call; medians over rounds, min..max beside them.
 * The c1 echo round trip it is compared with (bench/results/echo-uring.md) sleeps and wakes
 * each time, so its costs are colder than these; this measures the code path, not the wake-up.
 *
 *   node --import tsx bench/guest-wake.ts [rounds]      # one JSON line; ~20 s with 7 rounds
 *
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLoop } from '../src/loop/event-loop.ts';
import { sys } from '../src/sys/constants.ts';
import * as epoll from '../src/sys/epoll.ts';
import { close } from '../src/sys/fd.ts';
import { recv, send, socketpair } from '../src/sys/socket.ts';
import { UvPoll, type UvPollVia } from '../src/sys/uv-poll.ts';

const rounds = Number(process.argv[2] ?? 7);
const WAKES = 50_000;
const WAITS = 200_000;
const msg = Buffer.alloc(64, 120);
const buf = Buffer.alloc(65536);

function cpuNs(run: () => void, n: number): number {
  const t = process.cpuUsage();
  run();
  const c = process.cpuUsage(t);
  return ((c.user + c.system) * 1000) / n;
}

async function cpuNsAsync(run: () => Promise<void>, n: number): Promise<number> {
  const t = process.cpuUsage();
  await run();
  const c = process.cpuUsage(t);
  return ((c.user + c.system) * 1000) / n;
}

/** `WAKES` libuv wakes of a watch made `via`, each reading one message and sending the next. */
function uvPollPing(via: UvPollVia): Promise<void> {
  const [a, b] = socketpair();
  let left = WAKES;
  return new Promise<void>((resolve) => {
    const poll = new UvPoll(
      a,
      () => {
        recv(a, buf);
        if (--left > 0) send(b, msg);
        else {
          poll.close();
          close(a);
          close(b);
          resolve();
        }
      },
      via,
    );
    send(b, msg);
  });
}

/** `WAKES` guest-mode loop wakes, each reading one message and sending the next. */
function loopPing(loop: EventLoop): Promise<void> {
  const [a, b] = socketpair();
  let left = WAKES;
  return new Promise<void>((resolve) => {
    loop.addReader(a, () => {
      recv(a, buf);
      if (--left > 0) send(b, msg);
      else {
        loop.removeReader(a);
        close(a);
        close(b);
        resolve();
      }
    });
    send(b, msg);
  });
}

/** Two ends of a Node `net` Unix stream connection (the peer's ping). */
async function nodePair(path: string): Promise<{ a: Socket; b: Socket; close(): void }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(path, r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const b = createConnection(path);
  await new Promise<void>((r) => b.once('connect', r));
  const a = await accepted;
  return {
    a,
    b,
    close() {
      a.destroy();
      b.destroy();
      server.close();
    },
  };
}

/** `WAKES` 'data' events on `a`, each answered by the next message from `b`. */
function nodePing(a: Socket, b: Socket): Promise<void> {
  let left = WAKES;
  return new Promise<void>((resolve) => {
    const onData = (): void => {
      if (--left > 0) b.write(msg);
      else {
        a.off('data', onData);
        resolve();
      }
    };
    a.on('data', onData);
    b.write(msg);
  });
}

function waits(ready: boolean): () => void {
  return () => {
    const [a, b] = socketpair();
    const ep = epoll.create1();
    const events = new epoll.EpollEvents(1024);
    if (ready) {
      epoll.ctl(ep, sys.EPOLL_CTL_ADD, a, sys.EPOLLIN | sys.EPOLLRDHUP);
      send(b, msg);
    }
    for (let i = 0; i < WAITS; i++) epoll.wait(ep, events, 0);
    close(ep);
    close(a);
    close(b);
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  const loop = new EventLoop({ selector: 'epoll' });
  const vias: UvPollVia[] = UvPoll.defaultVia() === 'libuv' ? ['koffi', 'libuv'] : ['koffi'];
  const dir = mkdtempSync(join(tmpdir(), 'nbio-guest-wake-'));
  const peer = await nodePair(join(dir, 'ping.sock'));
  const samples: Record<string, number[]> = {
    'loop-wake': [],
    'node-net': [],
    'wait-ready': [],
    'wait-empty': [],
  };
  for (const via of vias) samples[`uvpoll-${via}`] = [];
  await uvPollPing('koffi'); // warm-up
  await loopPing(loop);
  await nodePing(peer.a, peer.b);
  for (let r = 0; r < rounds; r++) {
    // Alternate the order of the two watches each round so drift hits both alike.
    for (const via of r % 2 === 0 ? vias : [...vias].reverse())
      samples[`uvpoll-${via}`]!.push(await cpuNsAsync(() => uvPollPing(via), WAKES));
    samples['loop-wake']!.push(await cpuNsAsync(() => loopPing(loop), WAKES));
    samples['node-net']!.push(await cpuNsAsync(() => nodePing(peer.a, peer.b), WAKES));
    samples['wait-ready']!.push(cpuNs(waits(true), WAITS));
    samples['wait-empty']!.push(cpuNs(waits(false), WAITS));
  }
  loop.close();
  peer.close();
  rmSync(dir, { recursive: true, force: true });
  const out: Record<string, unknown> = {
    unit: 'ns CPU per wake or call',
    rounds,
    loopVia: UvPoll.defaultVia(),
  };
  for (const [k, xs] of Object.entries(samples))
    out[k] = {
      median: Math.round(median(xs)),
      min: Math.round(Math.min(...xs)),
      max: Math.round(Math.max(...xs)),
    };
  console.log(JSON.stringify(out));
}

await main();
