/**
 * The cost of the seeing tools (issue 11), two ways, in one run:
 *
 * 1. **B1 echo** (64 B, 50 connections, 1 in flight): the same nbio echo server with the flight
 *    recorder off, on, with the watchdog, and with both, measured alternating (the order rotates
 *    each round: A B C D, B C D A, …), server pinned to core 0 and the C load generator to core 1;
 *    the median server CPU µs per round trip of each, its ratio to "off", and the ratio within
 *    each round (to that round's "off") with its median and middle half (the targets: recorder
 *    ≤ 1.03, watchdog ≤ 1.01).
 * 2. **B1, one server, the recorder toggled**: the same load against one server whose recorder
 *    is turned on and off every 250 ms; neighbouring phases compared (server CPU per round trip),
 *    so that differences between server processes and the machine's drift between rounds drop out.
 * 3. **Paired, in one process** (bench/seeing-paired.ts): a plain and a watched owner-mode loop
 *    doing the same socket-pair ping-pong in alternating blocks; the tools' added CPU ns per
 *    iteration and per callback. It stays readable on a busy machine, where (1) does not.
 *
 * `npm run bench -- seeing [--quick] [--save]`, or on its own
 * `node --import tsx bench/seeing.ts [rounds] [durationMs] [toggledSeconds]` (`NBIO_BENCH_SAVE=1` to write
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
  /** B1 with one server whose recorder is toggled: phase length and load time. */
  toggleMs: number;
  toggledSeconds: number;
}

const config = (quick: boolean): Config =>
  quick
    ? { rounds: 3, durationMs: 1000, pairs: [8], blocks: 150, toggleMs: 250, toggledSeconds: 6 }
    : { rounds: 15, durationMs: 1500, pairs: [1, 8], blocks: 300, toggleMs: 250, toggledSeconds: 20 };

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  const b1 = (c.rounds + 1) * TOOLS.length * (c.durationMs / 1000 + 0.6);
  const paired = c.pairs.length * 3 * (quick ? 4 : 8);
  return {
    steps: c.rounds + 2 + c.pairs.length * 3,
    seconds: Math.round(b1 + paired + c.toggledSeconds + 15),
  };
}

/** One row of the B1 table. */
interface EchoRow {
  tools: string;
  serverCpuUsPerRt: number;
  min: number;
  max: number;
  rtPerSec: number;
  ratioToOff: number;
  /** Each round's figure over that round's "off": median, first and third quartile. */
  roundRatio: { median: number; q1: number; q3: number };
  runs: number[];
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The value below which a fraction `q` of `xs` lies (nearest rank). */
const quantile = (xs: readonly number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;

/** Starts bench/servers/nbio-echo-seeing.ts with `tools` on a free port, pinned to core 0. */
async function startSeeingServer(tools: string, extraArgs: string[]): Promise<RunningServer> {
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
  const started = await startServer({ cmd: process.execPath, args: [...args, ...extraArgs] }, port, 0);
  if (!started.ok) throw new Error(`${tools}${extraArgs.length > 0 ? ' (toggled)' : ''}: ${started.reason}`);
  return started.server;
}

async function measureEcho(c: Config, progress: Progress): Promise<EchoRow[]> {
  ensureCProgram('loadgen');
  const servers = new Map<string, RunningServer>();
  try {
    for (const tools of TOOLS) {
      servers.set(tools, await startSeeingServer(tools, []));
    }
    const runs = new Map<string, { cpuUsPerRt: number; rtPerSec: number }[]>();
    for (let round = 0; round <= c.rounds; round++) {
      const done = progress.step(
        round === 0 ? 'seeing B1 warm-up round' : `seeing B1 round ${round}/${c.rounds}`,
      );
      const said: string[] = [];
      // rotate the order each round, so that no server always follows the same one
      const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]!);
      for (const tools of order) {
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
    const offRuns = (runs.get('off') ?? []).map((r) => r.cpuUsPerRt);
    const off = median(offRuns);
    return TOOLS.map((tools) => {
      const rs = runs.get(tools) ?? [];
      const cpu = rs.map((r) => r.cpuUsPerRt);
      const ratios = cpu.map((x, i) => x / (offRuns[i] ?? Number.NaN));
      return {
        tools,
        serverCpuUsPerRt: median(cpu),
        min: Math.min(...cpu),
        max: Math.max(...cpu),
        rtPerSec: median(rs.map((r) => r.rtPerSec)),
        ratioToOff: median(cpu) / off,
        roundRatio: { median: median(ratios), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) },
        runs: cpu,
      };
    });
  } finally {
    for (const s of servers.values()) await s.stop();
    killAllChildren();
  }
}

/** B1 against one server whose recorder is turned on and off every `toggleMs`. */
interface ToggledResult {
  phaseMs: number;
  /** Neighbouring (off, on) phases compared. */
  pairs: number;
  offCpuUsPerRt: number;
  /** Median of (on − off) server CPU per round trip over the pairs. */
  addedNsPerRt: number;
  /** on / off per pair: median, first and third quartile. */
  ratio: { median: number; q1: number; q3: number };
}

async function measureToggled(c: Config, progress: Progress): Promise<ToggledResult> {
  const done = progress.step(`seeing B1, one server, recorder toggled every ${c.toggleMs} ms`);
  ensureCProgram('loadgen');
  const srv = await startSeeingServer('off', ['--toggle-ms', `${c.toggleMs}`]);
  const port = srv.port;
  try {
    await runLoadgen({
      port,
      conns: 50,
      inflight: 1,
      msgBytes: 64,
      warmupMs: 300,
      durationMs: c.toggledSeconds * 1000,
      maxMsgs: 20_000_000,
      serverPid: srv.pid,
    });
    srv.send('phases');
    const phases = (await srv.nextJson(10_000)).phases as { on: boolean; cpuUs: number; bytes: number }[];
    // phases before the load and the one it ended in carry fewer round trips: left out
    const typical = median(phases.map((p) => p.bytes));
    const perRt = (p: { cpuUs: number; bytes: number }) => p.cpuUs / (p.bytes / 64);
    const diffs: number[] = [];
    const ratios: number[] = [];
    const offs: number[] = [];
    for (let i = 0; i + 1 < phases.length; i += 2) {
      const a = phases[i]!;
      const b = phases[i + 1]!;
      if (a.on === b.on || Math.min(a.bytes, b.bytes) < typical * 0.8) continue;
      const on = perRt(a.on ? a : b);
      const off = perRt(a.on ? b : a);
      diffs.push(on - off);
      ratios.push(on / off);
      offs.push(off);
    }
    const r: ToggledResult = {
      phaseMs: c.toggleMs,
      pairs: diffs.length,
      offCpuUsPerRt: median(offs),
      addedNsPerRt: median(diffs) * 1000,
      ratio: { median: median(ratios), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) },
    };
    done(`recorder ${r.ratio.median.toFixed(3)} × off over ${r.pairs} pairs of phases`);
    return r;
  } finally {
    await srv.stop();
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

function render(
  m: MachineInfo,
  c: Config,
  load: string,
  echo: EchoRow[],
  toggled: ToggledResult,
  paired: PairedResult[],
): string {
  const echoTable = markdownTable(
    [
      'tools',
      'server CPU µs/round trip (median, min–max)',
      '× off (medians)',
      '× off within a round (median, middle half)',
      'round trips/s',
    ],
    echo.map((r) => [
      r.tools,
      `${r.serverCpuUsPerRt.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`,
      r.ratioToOff.toFixed(3),
      `${r.roundRatio.median.toFixed(3)} (${r.roundRatio.q1.toFixed(3)}–${r.roundRatio.q3.toFixed(3)})`,
      `${Math.round(r.rtPerSec)}`,
    ]),
  );
  // In B1 a round trip is one reader callback and one ready event, plus a share of an iteration
  // (tens of round trips each): the paired cost per callback with 8 pairs (16 per iteration)
  // over this run's B1 "off" is what the paired measure predicts for B1.
  const offUs = echo.find((r) => r.tools === 'off')?.serverCpuUsPerRt ?? Number.NaN;
  const widest = Math.max(...paired.map((p) => p.pairs));
  const predicted = markdownTable(
    ['tools', 'B1 × off, measured (within a round)', 'paired: added ns/callback', 'predicted B1 × off'],
    paired
      .filter((p) => p.pairs === widest)
      .map((p) => [
        p.tools,
        echo.find((r) => r.tools === p.tools)?.roundRatio.median.toFixed(3) ?? '?',
        p.addedNsPerCallback.toFixed(0),
        (1 + p.addedNsPerCallback / (offUs * 1000)).toFixed(3),
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
    `B1 echo, 64 B, 50 connections, 1 in flight; ${c.rounds} rounds of ${c.durationMs} ms, the four servers alternating, their order rotating each round. ` +
      `Targets: recorder ≤ 1.03 × off, watchdog ≤ 1.01 × off. Load average at the start: ${load}.`,
    '',
    echoTable,
    '',
    `B1 against one server (the same load generator, 50 connections, ${c.toggledSeconds} s) whose recorder is turned on and off every ${toggled.phaseMs} ms (bench/servers/nbio-echo-seeing.ts --toggle-ms): neighbouring phases compared, server CPU per round trip, so that the servers' own differences and the machine's drift between rounds drop out.`,
    '',
    markdownTable(
      [
        'tools',
        'pairs of phases',
        'off µs/round trip',
        'added ns/round trip (median)',
        '× off (median, middle half)',
      ],
      [
        [
          'recorder',
          `${toggled.pairs}`,
          toggled.offCpuUsPerRt.toFixed(2),
          toggled.addedNsPerRt.toFixed(0),
          `${toggled.ratio.median.toFixed(3)} (${toggled.ratio.q1.toFixed(3)}–${toggled.ratio.q3.toFixed(3)})`,
        ],
      ],
    ),
    '',
    `Paired, in one process (bench/seeing-paired.ts): a plain and a watched owner-mode epoll loop, each with N socket pairs ping-ponging 64 B (2 N reader callbacks per iteration), alternating blocks of 300 iterations, ${c.blocks} blocks, the recorder on only during the watched loop's blocks (its system-call counting is process-wide); median of the paired differences in CPU time.`,
    '',
    pairedTable,
    '',
    `Beside B1: the paired cost per callback (${widest} pairs) as a share of this run's B1 "off" round trip (${offUs.toFixed(2)} µs), one callback per round trip.`,
    '',
    predicted,
    '',
  ].join('\n');
}

async function run(ctx: BenchContext, c: Config = config(ctx.quick)): Promise<string> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const echo = await measureEcho(c, ctx.progress);
  const toggled = await measureToggled(c, ctx.progress);
  const paired = measurePairedRuns(c, ctx.progress);
  const md = render(ctx.machine, c, load, echo, toggled, paired);
  writeResults(
    'seeing',
    { id: 'seeing', machine: ctx.machine, loadAverageAtStart: load, config: c, echo, toggled, paired },
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
    toggledSeconds: Number(process.argv[4] ?? base.toggledSeconds),
  };
  const progress = new Progress(c.rounds + 2 + c.pairs.length * 3);
  try {
    console.log(await run({ quick: false, progress, machine: machineInfo(false) }, c));
  } finally {
    killAllChildren();
  }
}
