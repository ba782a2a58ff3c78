/**
 * What an idle connection costs in this process, without a load generator (issue 14, "a
 * connection that costs little"): N transports on N socket pairs (AF_UNIX; the other end is a
 * bare descriptor), each with a small protocol object as B4's echo server has, run until every
 * `connectionMade` has run and reading started; then a full GC, and the JS heap and RSS grown
 * since the GC before, divided by N. The transports are then aborted and the peers closed, and
 * the next round starts (after one uncounted warm-up round). Prints each round and the median per connection; B4 (bench/idle.ts)
 * measures the same over TCP with a server process, this is the quick in-process figure for
 * comparing two trees (run each alternately).
 *
 *   node --expose-gc --import tsx bench/conn-cost.ts [connections=5000] [rounds=5] [epoll|io_uring|poll]
 *
 * Each connection takes two descriptors: `ulimit -n` must exceed 2 × connections.
 *
 * "closed again" is what the heap lost when the round's connections went: about the per
 * connection figure when they are all freed. (On io_uring it was negative until 52b1cc3: the
 * completion queue kept each released operation slot's last owner, so a round's transports lived
 * on until the next round reused the slots; with that fixed, 3,000 connections × 3 rounds gave
 * heap 1,797 / 1,811 B per connection and 1,789 / 1,807 B closed again.)
 *
 * @module
 */
import { EventLoop } from '../src/loop/event-loop.ts';
import type { Protocol } from '../src/net/protocol.ts';
import { SocketTransport } from '../src/net/socket-transport.ts';
import type { Transport } from '../src/net/transport.ts';
import { UringTransport } from '../src/net/uring-transport.ts';
import { close } from '../src/sys/fd.ts';
import { socketpair } from '../src/sys/socket.ts';

const conns = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 5);
const backend = (process.argv[4] ?? 'epoll') as 'epoll' | 'io_uring' | 'poll';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(1);
}

/** B4's echo protocol, as a class: one object per connection holding its transport. */
class Echo implements Protocol {
  transport: Transport | null = null;
  made = false;
  lost = false;
  connectionMade(t: Transport): void {
    this.transport = t;
    this.made = true;
  }
  dataReceived(data: Buffer): void {
    this.transport?.write(data);
  }
  connectionLost(): void {
    this.lost = true;
  }
}

function settle(): void {
  gc!();
  gc!();
}

const loop = new EventLoop({ selector: backend });
const perHeap: number[] = [];
const perRss: number[] = [];
for (let round = -1; round < rounds; round++) {
  settle();
  const before = process.memoryUsage();
  const transports: Transport[] = [];
  const protocols: Echo[] = [];
  const peers: number[] = [];
  for (let i = 0; i < conns; i++) {
    const [a, b] = socketpair();
    const p = new Echo();
    protocols.push(p);
    peers.push(b);
    transports.push(
      backend === 'io_uring' ? new UringTransport(loop, a, p) : new SocketTransport(loop, a, p),
    );
  }
  while (!protocols.every((p) => p.made)) loop.runOnce(0);
  loop.runOnce(0);
  settle();
  const after = process.memoryUsage();
  const heap = (after.heapUsed - before.heapUsed) / conns;
  const rss = (after.rss - before.rss) / conns;
  if (round >= 0) {
    perHeap.push(heap);
    perRss.push(rss);
  }
  console.log(
    `${round < 0 ? 'warm-up' : `round ${round + 1}`}: ${conns} connections, heap ${heap.toFixed(0)} B, RSS ${rss.toFixed(0)} B per connection`,
  );
  for (const t of transports) t.abort();
  for (const fd of peers) close(fd);
  while (!protocols.every((p) => p.lost)) loop.runOnce(0);
  // io_uring: an aborted transport's receive is cancelled; its completion lets the transport go.
  for (let i = 0; i < 5; i++) loop.runOnce(5);
  transports.length = 0;
  protocols.length = 0;
  settle();
  const closed = process.memoryUsage();
  console.log(
    `  closed again: heap ${((after.heapUsed - closed.heapUsed) / conns).toFixed(0)} B, RSS ${((after.rss - closed.rss) / conns).toFixed(0)} B per connection below`,
  );
}
loop.close();

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(
  `median of ${rounds} rounds (${backend}): heap ${median(perHeap).toFixed(0)} B, RSS ${median(perRss).toFixed(0)} B per connection`,
);
