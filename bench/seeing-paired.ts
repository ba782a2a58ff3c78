/**
 * The seeing tools' cost per callback, measured so that a busy machine does not drown it: two
 * owner-mode epoll loops in one process, the same work on each (`pairs` socket pairs, a 64-byte
 * message ping-ponging in each: two reader callbacks, a `recv` and a `send` each per round),
 * one plain and one with `--tools` on, run in alternating blocks of `iterations` iterations.
 * Each block's CPU time (`process.cpuUsage`, so the watchdog's thread counts) per iteration is
 * paired with its neighbour's; the median difference is the tools' cost, with a bootstrap 95%
 * interval. The recorder is on only during the watched loop's blocks (system calls are counted
 * process-wide while it records, so it is enabled before and disabled after each: the counting
 * is part of its cost, as in B1).
 *
 * `node --import tsx bench/seeing-paired.ts <recorder|watchdog|both|off> [pairs] [blocks] [iterations]`
 * prints one JSON line; bench/seeing.ts runs it.
 *
 * @module
 */
import { EventLoop } from '../src/loop/event-loop.ts';
import { Watchdog } from '../src/loop/watchdog.ts';
import { close } from '../src/sys/fd.ts';
import { recv, send, socketpair } from '../src/sys/socket.ts';
import { median } from './lib/stats.ts';
import { bootstrapMedian } from './seeing-stats.ts';

/** What one paired run prints. */
export interface PairedResult {
  tools: string;
  pairs: number;
  /** CPU ns per iteration of the plain loop (median of the blocks). */
  offNsPerIteration: number;
  /** Median of (tools − plain) over neighbouring blocks, ns per iteration. */
  addedNsPerIteration: number;
  /** The same per callback (2 × pairs callbacks per iteration). */
  addedNsPerCallback: number;
  /** Bootstrap 95% interval of the median added ns per callback (over the pairs of blocks). */
  addedNsPerCallbackLo: number;
  addedNsPerCallbackHi: number;
}

function pingPongLoop(pairs: number, fds: number[]): EventLoop {
  const loop = new EventLoop({ selector: 'epoll', mode: 'owner' });
  const buf = new Uint8Array(64);
  const msg = new Uint8Array(64);
  for (let i = 0; i < pairs; i++) {
    const [a, b] = socketpair();
    fds.push(a, b);
    loop.addReader(
      a,
      function server() {
        const n = recv(a, buf);
        if (n > 0) send(a, buf.subarray(0, n));
      },
      { label: `server ${i}` },
    );
    loop.addReader(
      b,
      function client() {
        if (recv(b, buf) > 0) send(b, msg);
      },
      { label: `client ${i}` },
    );
    send(b, msg);
  }
  return loop;
}

/** Runs one paired measurement (see the module comment). */
export async function measurePaired(
  tools: string,
  pairs: number,
  blocks: number,
  iterations: number,
): Promise<PairedResult> {
  const fds: number[] = [];
  const plain = pingPongLoop(pairs, fds);
  const watched = pingPongLoop(pairs, fds);
  const recording = tools === 'recorder' || tools === 'both';
  const dog =
    tools === 'watchdog' || tools === 'both' ? await Watchdog.start(watched, { print: false }) : null;
  const block = (loop: EventLoop): number => {
    const record = recording && loop === watched;
    if (record) loop.recorder.enable(1000);
    const c0 = process.cpuUsage();
    for (let k = 0; k < iterations; k++) loop.runOnce(0);
    const c = process.cpuUsage(c0);
    if (record) loop.recorder.disable();
    return ((c.user + c.system) * 1000) / iterations;
  };
  try {
    for (let k = 0; k < 20; k++) {
      block(plain);
      block(watched);
    }
    const added: number[] = [];
    const offs: number[] = [];
    for (let b = 0; b < blocks; b++) {
      // alternate which loop goes first, so neither always follows the other
      const first = b % 2 === 0 ? block(plain) : Number.NaN;
      const on = block(watched);
      const off = b % 2 === 0 ? first : block(plain);
      added.push(on - off);
      offs.push(off);
    }
    const addedNs = median(added);
    const ci = bootstrapMedian([added]);
    return {
      tools,
      pairs,
      offNsPerIteration: median(offs),
      addedNsPerIteration: addedNs,
      addedNsPerCallback: addedNs / (2 * pairs),
      addedNsPerCallbackLo: ci.lo / (2 * pairs),
      addedNsPerCallbackHi: ci.hi / (2 * pairs),
    };
  } finally {
    await dog?.stop();
    plain.close();
    watched.close();
    for (const fd of fds) close(fd);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tools = 'recorder', pairs = '8', blocks = '300', iterations = '300'] = process.argv.slice(2);
  const r = await measurePaired(tools, Number(pairs), Number(blocks), Number(iterations));
  console.log(JSON.stringify(r));
}
