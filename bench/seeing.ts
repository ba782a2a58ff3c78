/**
 * The cost of the seeing tools (issue 11), two ways, in one run:
 *
 * 1. **B1 echo** (64 B, 50 connections, 1 in flight): the same nbio echo server with the flight
 *    recorder off, on, with the watchdog, and with both, measured alternating (A B C D A B C D
 *    …), server pinned to core 0 and the C load generator to core 1; the median server CPU µs
 *    per round trip of each and its ratio to "off" (the targets: recorder ≤ 1.03, watchdog ≤ 1.01).
 * 2. **Paired, in one process** (bench/seeing-paired.ts): a plain and a watched owner-mode loop
 *    doing the same socket-pair ping-pong in alternating blocks; the tools' added CPU ns per
 *    iteration and per callback. It stays readable on a busy machine, where (1) does not.
 *
 * `npm run bench -- seeing [--quick] [--save]`, or on its own
 * `node --import tsx bench/seeing.ts [rounds] [durationMs]` (`NBIO_BENCH_SAVE=1` to write
 * bench/results/seeing.md and .json; otherwise they go to scratch/bench/).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { runLoadgen } from './lib/loadgen.ts';
import { ensureCProgram } from './lib/peers.ts';
import { pinned } from './lib/proc.ts';
import { Progress } from './lib/progress.ts';
import {
  type MachineInfo,
  machineInfo,
  markdownHeader,
  markdownTable,
  ROOT,
  writeResults,
} from './lib/results.ts';
import { freePort, killAllChildren, type RunningServer, startServer } from './lib/server-process.ts';
import type { PairedResult } from './seeing-paired.ts';

const TOOLS = ['off', 'recorder', 'watchdog', 'both'] as const;

interface Config {
  rounds: number;
  durationMs: number;
  /** Socket pairs of each paired run. */
  pairs: readonly number[];
  blocks: number;
}

const config = (quick: boolean): Config =>
  quick
    ? { rounds: 2, durationMs: 1000, pairs: [8], blocks: 150 }
    : { rounds: 9, durationMs: 1500, pairs: [1, 8], blocks: 300 };

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  const b1 = (c.rounds + 1) * TOOLS.length * (c.durationMs / 1000 + 0.6);
  const paired = c.pairs.length * 3 * (quick ? 4 : 8);
  return { steps: c.rounds + 1 + c.pairs.length * 3, seconds: Math.round(b1 + paired + 10) };
}

/** One row of the B1 table. */
interface EchoRow {
  tools: string;
  serverCpuUsPerRt: number;
  min: number;
  max: number;
  rtPerSec: number;
  ratioToOff: number;
  runs: number[];
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function measureEcho(c: Config, progress: Progress): Promise<EchoRow[]> {
  ensureCProgram('loadgen');
  const servers = new Map<string, RunningServer>();
  try {
    for (const tools of TOOLS) {
      const port = await freePort();
      const args = [
        '--import',
        'tsx',
        'bench/servers/nbio-echo-seeing.ts',
        '--tools',
        tools,
        '--port',
        `${port}`,
      ];
      const started = await startServer({ cmd: process.execPath, args }, port, 0);
      if (!started.ok) throw new Error(`${tools}: ${started.reason}`);
      servers.set(tools, started.server);
    }
    const runs = new Map<string, { cpuUsPerRt: number; rtPerSec: number }[]>();
    for (let round = 0; round <= c.rounds; round++) {
      const done = progress.step(
        round === 0 ? 'seeing B1 warm-up round' : `seeing B1 round ${round}/${c.rounds}`,
      );
      const said: string[] = [];
      for (const tools of TOOLS) {
        const srv = servers.get(tools)!; // started above
        const r = await runLoadgen({
          port: srv.port,
          conns: 50,
          inflight: 1,
          msgBytes: 64,
          warmupMs: 300,
          durationMs: c.durationMs,
          maxMsgs: 5_000_000,
          serverPid: srv.pid,
        });
        const cpuUsPerRt = ((r.serverCpuSec ?? Number.NaN) * 1e6) / r.roundTrips;
        said.push(`${tools} ${cpuUsPerRt.toFixed(2)}`);
        if (round === 0) continue; // warm-up round
        const list = runs.get(tools) ?? [];
        list.push({ cpuUsPerRt, rtPerSec: r.rtPerSec });
        runs.set(tools, list);
      }
      done(`µs CPU/rt: ${said.join(', ')}`);
    }
    const off = median((runs.get('off') ?? []).map((r) => r.cpuUsPerRt));
    return TOOLS.map((tools) => {
      const rs = runs.get(tools) ?? [];
      const cpu = rs.map((r) => r.cpuUsPerRt);
      return {
        tools,
        serverCpuUsPerRt: median(cpu),
        min: Math.min(...cpu),
        max: Math.max(...cpu),
        rtPerSec: median(rs.map((r) => r.rtPerSec)),
        ratioToOff: median(cpu) / off,
        runs: cpu,
      };
    });
  } finally {
    for (const s of servers.values()) await s.stop();
    killAllChildren();
  }
}

function measurePairedRuns(c: Config, progress: Progress): PairedResult[] {
  const out: PairedResult[] = [];
  for (const pairs of c.pairs) {
    for (const tools of ['recorder', 'watchdog', 'both']) {
      const done = progress.step(`seeing paired ${tools}, ${pairs} pair(s)`);
      const [cmd, args] = pinned(0, process.execPath, [
        '--import',
        'tsx',
        'bench/seeing-paired.ts',
        tools,
        `${pairs}`,
        `${c.blocks}`,
        '300',
      ]);
      const child = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      const line = child.stdout.trim().split('\n').at(-1) ?? '';
      if (child.status !== 0 || !line.startsWith('{')) {
        throw new Error(`seeing-paired ${tools} ${pairs} failed: ${child.stderr || child.stdout}`);
      }
      const r = JSON.parse(line) as PairedResult;
      out.push(r);
      done(`+${r.addedNsPerCallback.toFixed(0)} ns per callback`);
    }
  }
  return out;
}

function render(m: MachineInfo, c: Config, load: string, echo: EchoRow[], paired: PairedResult[]): string {
  const echoTable = markdownTable(
    ['tools', 'server CPU µs/round trip (median, min–max)', '× off', 'round trips/s'],
    echo.map((r) => [
      r.tools,
      `${r.serverCpuUsPerRt.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`,
      r.ratioToOff.toFixed(3),
      `${Math.round(r.rtPerSec)}`,
    ]),
  );
  const pairedTable = markdownTable(
    ['tools', 'socket pairs', 'plain loop CPU ns/iteration', 'added ns/iteration', 'added ns/callback'],
    paired.map((r) => [
      r.tools,
      `${r.pairs}`,
      r.offNsPerIteration.toFixed(0),
      r.addedNsPerIteration.toFixed(0),
      r.addedNsPerCallback.toFixed(0),
    ]),
  );
  return [
    markdownHeader('Seeing tools: what the recorder and the watchdog cost', m),
    `B1 echo, 64 B, 50 connections, 1 in flight; ${c.rounds} rounds of ${c.durationMs} ms, the four servers alternating. ` +
      `Targets: recorder ≤ 1.03 × off, watchdog ≤ 1.01 × off. Load average at the start: ${load}.`,
    '',
    echoTable,
    '',
    `Paired, in one process (bench/seeing-paired.ts): a plain and a watched owner-mode epoll loop, each with N socket pairs ping-ponging 64 B (2 N reader callbacks per iteration), alternating blocks of 300 iterations, ${c.blocks} blocks; median of the paired differences in CPU time.`,
    '',
    pairedTable,
    '',
  ].join('\n');
}

async function run(ctx: BenchContext, c: Config = config(ctx.quick)): Promise<string> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const echo = await measureEcho(c, ctx.progress);
  const paired = measurePairedRuns(c, ctx.progress);
  const md = render(ctx.machine, c, load, echo, paired);
  writeResults(
    'seeing',
    { id: 'seeing', machine: ctx.machine, loadAverageAtStart: load, config: c, echo, paired },
    md,
  );
  return md;
}

/** Issue 11: the cost of the flight recorder and the watchdog (B1 echo, and paired in one process). */
export const seeingBenchmark: Benchmark = {
  id: 'seeing',
  title: 'seeing: flight recorder and watchdog cost in B1 echo, and per callback (paired)',
  plan: (quick) => plan(quick),
  run: (ctx) => run(ctx),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = config(false);
  const c: Config = {
    ...base,
    rounds: Number(process.argv[2] ?? base.rounds),
    durationMs: Number(process.argv[3] ?? base.durationMs),
  };
  const progress = new Progress(c.rounds + 1 + c.pairs.length * 3);
  try {
    console.log(await run({ quick: false, progress, machine: machineInfo(false) }, c));
  } finally {
    killAllChildren();
  }
}
