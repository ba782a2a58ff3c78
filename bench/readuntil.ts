/**
 * readuntil: one long line (4, 8, 16, 32 MiB, then `\n`) read over loopback TCP by nbio's
 * `StreamReader.readUntil` (limit raised to fit the line) and by Node's `readline` on a
 * `net.Socket`, the peer, measured in the same run, alternating (nbio, Node, nbio, Node …).
 * Issue 9, defect 7: before the fix a 32 MiB line took 5–7.6 s (superlinear); `readline` took
 * ~0.5 s.
 *
 * The sender is a child process (Node `net`, writes the line and closes), so the measured
 * process only reads: the figures are wall time from connect to the line in hand, and this
 * process's CPU time (`process.cpuUsage`) over the same span. nbio runs on the default loop
 * (epoll, guest mode).
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { createInterface } from 'node:readline';
import { openConnection } from '../src/async/open-connection.ts';
import { EventLoop } from '../src/loop/event-loop.ts';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { type MachineInfo, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { medianRatio, summarize } from './lib/stats.ts';

const MIB = 1024 * 1024;
/** Longest a single read may take before the run is abandoned (the old code took ~7.6 s at 32 MiB). */
const READ_LIMIT_MS = 60_000;

/** A child process that answers every connection with one line of `bytes` bytes and closes. */
const SENDER = `
const net = require('node:net');
const bytes = Number(process.argv[1]);
const line = Buffer.alloc(bytes + 1, 0x61);
line[bytes] = 0x0a;
const server = net.createServer((s) => { s.on('error', () => {}); s.end(line); });
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

interface Sender {
  port: number;
  child: ChildProcess;
}

async function startSender(bytes: number): Promise<Sender> {
  const child = spawn(process.execPath, ['-e', SENDER, String(bytes)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: Number(chunk.toString().trim()), child };
}

async function stopSender(s: Sender): Promise<void> {
  const exited = once(s.child, 'exit');
  s.child.stdin!.end();
  await exited;
}

/** One measured read. */
interface Figures {
  wallMs: number;
  cpuMs: number;
}

function withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${READ_LIMIT_MS} ms`)), READ_LIMIT_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function nbioOnce(loop: EventLoop, port: number, bytes: number): Promise<Figures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const [reader, writer] = await openConnection(loop, { host: '127.0.0.1', port });
  const line = await withDeadline(reader.readUntil('\n', { limit: bytes + 1 }), 'nbio readUntil');
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (line.length !== bytes + 1) throw new Error(`nbio read ${line.length} bytes, expected ${bytes + 1}`);
  writer.close();
  await writer.waitClosed();
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function nodeOnce(port: number, bytes: number): Promise<Figures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const socket = netConnect({ host: '127.0.0.1', port });
  const rl = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
  const [line] = (await withDeadline(once(rl, 'line'), 'Node readline')) as [string];
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (line.length !== bytes) throw new Error(`readline gave ${line.length} characters, expected ${bytes}`);
  rl.close();
  socket.destroy();
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

interface Config {
  sizesMiB: readonly number[];
  runs: number;
}

const config = (quick: boolean): Config =>
  quick ? { sizesMiB: [4, 32], runs: 1 } : { sizesMiB: [4, 8, 16, 32], runs: 3 };

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  // ~2 × (line MiB × ~20 ms) per round, plus a warm-up and process start per size.
  const seconds = c.sizesMiB.reduce((a, m) => a + 1 + c.runs * 2 * (0.1 + m * 0.02), 0);
  return { steps: c.sizesMiB.length * c.runs, seconds: Math.ceil(seconds) };
}

/** One row of readuntil.json. */
export interface ReadUntilRow {
  lineMiB: number;
  nbioWallMs: number;
  nodeWallMs: number;
  nbioCpuMs: number;
  nodeCpuMs: number;
  /** Median of same-round nbio ÷ Node wall-time ratios (below 1: nbio is faster). */
  wallRatio: number;
  nbioRuns: Figures[];
  nodeRuns: Figures[];
}

function render(machine: MachineInfo, rows: readonly ReadUntilRow[], runs: number): string {
  const out = [markdownHeader('readuntil — one long line, readUntil vs readline', machine)];
  out.push(
    `One line of N MiB then \\n, sent by a child process over loopback TCP; ${runs} run(s) per side, ` +
      'nbio (readUntil, limit raised to fit) and Node (readline on net.Socket) alternating. ' +
      'Wall ms from connect to the line in hand, median (min..max); CPU ms of the reading process.',
    '',
  );
  const r = (xs: readonly number[]) => {
    const s = summarize(xs);
    return `${s.median.toFixed(0)} (${s.min.toFixed(0)}..${s.max.toFixed(0)})`;
  };
  out.push(
    markdownTable(
      ['line', 'nbio wall ms', 'Node wall ms', 'nbio CPU ms', 'Node CPU ms', 'nbio ÷ Node (wall)'],
      rows.map((x) => [
        `${x.lineMiB} MiB`,
        r(x.nbioRuns.map((f) => f.wallMs)),
        r(x.nodeRuns.map((f) => f.wallMs)),
        r(x.nbioRuns.map((f) => f.cpuMs)),
        r(x.nodeRuns.map((f) => f.cpuMs)),
        x.wallRatio.toFixed(2),
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}

async function run(ctx: BenchContext): Promise<string> {
  const c = config(ctx.quick);
  const rows: ReadUntilRow[] = [];
  const loop = new EventLoop();
  try {
    for (const mib of c.sizesMiB) {
      const bytes = mib * MIB;
      const sender = await startSender(bytes);
      try {
        await nbioOnce(loop, sender.port, bytes); // warm-up, both sides
        await nodeOnce(sender.port, bytes);
        const nb: Figures[] = [];
        const nd: Figures[] = [];
        for (let round = 1; round <= c.runs; round++) {
          const end = ctx.progress.step(`readuntil ${mib} MiB run ${round}/${c.runs}`);
          const a = await nbioOnce(loop, sender.port, bytes);
          const b = await nodeOnce(sender.port, bytes);
          nb.push(a);
          nd.push(b);
          end(`nbio ${a.wallMs.toFixed(0)} ms, Node ${b.wallMs.toFixed(0)} ms`);
        }
        rows.push({
          lineMiB: mib,
          nbioWallMs: summarize(nb.map((f) => f.wallMs)).median,
          nodeWallMs: summarize(nd.map((f) => f.wallMs)).median,
          nbioCpuMs: summarize(nb.map((f) => f.cpuMs)).median,
          nodeCpuMs: summarize(nd.map((f) => f.cpuMs)).median,
          wallRatio: medianRatio(
            nb.map((f) => f.wallMs),
            nd.map((f) => f.wallMs),
          ),
          nbioRuns: nb,
          nodeRuns: nd,
        });
      } finally {
        await stopSender(sender);
      }
    }
  } finally {
    loop.close();
  }
  const md = render(ctx.machine, rows, c.runs);
  writeResults('readuntil', { machine: ctx.machine, rows }, md);
  return md;
}

/** The benchmark, as `bench/run.ts` loads it. */
export const readUntilBenchmark: Benchmark = {
  id: 'readuntil',
  title: 'one 4–32 MiB line: StreamReader.readUntil vs Node readline, same run',
  plan,
  run,
};
