/**
 * Where `SocketTransport` should stop gathering a vector into one `send()` (issue 10): a response
 * head and a body of N bytes sent on a loopback TCP connection as `writev()` of the two
 * buffers, as a copy of both into a scratch buffer and one `send()`, and (the floor) one
 * `send()` of the body alone. The peer drains with `recv()` after each call, in the same
 * thread; the time is this process's CPU time (user + system), so it holds the kernel's side
 * of the sends too. The three ways alternate in blocks; the figure is the median of the blocks,
 * in µs per call. `SMALL_VECTOR_BYTES` (src/net/socket-transport.ts) is where `copy+send`
 * stops being cheaper than `writev`.
 *
 * `node --import tsx bench/write-vector.ts [blocks]` prints one line per body size.
 *
 * @module
 */
import { sys } from '../src/sys/constants.ts';
import { close, writev } from '../src/sys/fd.ts';
import { accept, bind, connect, getsockname, listen, recv, send, socket } from '../src/sys/socket.ts';

const blocks = Number(process.argv[2] ?? 7);
const CALLS = 4000;
const SIZES = [64, 1024, 4096, 8192, 16 * 1024, 24 * 1024, 32 * 1024, 48 * 1024, 64 * 1024];
const HEAD = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nDate: Thu, 03 Dec 2026 18:00:00 GMT\r\nContent-Length: 16384\r\n\r\n',
);
const scratch = Buffer.allocUnsafe(128 * 1024);
const drain = Buffer.allocUnsafe(256 * 1024);

const listener = socket(sys.AF_INET, 'stream');
bind(listener, { family: 'ipv4', address: '127.0.0.1', port: 0 });
listen(listener, 1);
const addr = getsockname(listener);
if (addr === null) throw new Error('no address');
const reader = socket(sys.AF_INET, 'stream');
connect(reader, addr);
let writer = -1;
for (let i = 0; i < 1000 && writer < 0; i++) {
  try {
    writer = accept(listener);
  } catch {
    await new Promise((r) => setTimeout(r, 1));
  }
}
if (writer < 0) throw new Error('no connection');

type Way = (body: Buffer) => void;
const ways: Record<string, Way> = {
  writev: (body) => {
    writev(writer, [HEAD, body]);
  },
  'copy+send': (body) => {
    scratch.set(HEAD, 0);
    scratch.set(body, HEAD.length);
    send(writer, scratch, 0, HEAD.length + body.length);
  },
  'send (body only)': (body) => {
    send(writer, body);
  },
};

/** CPU µs per call of `way` over CALLS calls, the peer drained after each. */
function block(way: Way, body: Buffer): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    way(body);
    while (recv(reader, drain) > 0);
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / CALLS;
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

try {
  for (const size of SIZES) {
    const body = Buffer.alloc(size, 0x62);
    const times: Record<string, number[]> = {};
    for (const way of Object.values(ways)) block(way, body); // warm-up
    for (let b = 0; b < blocks; b++) {
      const order = b % 2 === 0 ? Object.entries(ways) : Object.entries(ways).reverse();
      for (const [name, way] of order) (times[name] ??= []).push(block(way, body));
    }
    const cells = Object.entries(times).map(([name, t]) => `${name} ${median(t).toFixed(2)}`);
    console.log(`body ${String(size).padStart(6)} B: ${cells.join('  ')} µs/call`);
  }
} finally {
  close(writer);
  close(reader);
  close(listener);
}
