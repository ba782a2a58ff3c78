/**
 * The cost of the seeing tools (issue 11), three ways, in one run; each figure a median with a
 * bootstrap 95% interval (bench/seeing-stats.ts), so a reader sees whether a target lies inside:
 *
 * 1. **B1, the recorder toggled in each server** (the headline: bench/seeing-toggled.ts): B1 echo
 *    (64 B, 50 connections, 1 in flight) against a server whose recorder is turned on and off
 *    every 100 ms; each "on" phase against the mean of the "off" phases around it, server CPU per
 *    round trip. The same process, connections and load on both sides; six fresh servers of 10 s
 *    one after the other, so that a difference between processes shows in the interval. Then
 *    the parts of that cost, each toggled alone the same way (two servers each): the system-call
 *    counter, an empty callback probe, a probe reading the recorder's clock; the rest is the
 *    recorder's own bookkeeping.
 * 2. **B1, four servers**: the same nbio echo server with the flight recorder off, on, with the
 *    watchdog, and with both, measured alternating (the order rotates each round: A B C D,
 *    B C D A, …), server pinned to core 0 and the C load generator to core 1; the four are started
 *    afresh for each of `generations` sets of rounds. Each tool's ratio to the "off" of its round
 *    and the ratio of the medians (the targets: recorder ≤ 1.03, watchdog ≤ 1.01).
 * 3. **Paired, in one process** (bench/seeing-paired.ts): a plain and a watched owner-mode loop
 *    doing the same socket-pair ping-pong in alternating blocks; the tools' added CPU ns per
 *    iteration and per callback. It stays readable on a busy machine, where (2) does not.
 *
 * `npm run bench -- seeing [--quick] [--save]`, or on its own
 * `node --import tsx bench/seeing.ts [--quick] [sets] [rounds] [durationMs] [toggledServers]
 * [toggledSeconds] [toggleMs]` (`NBIO_BENCH_SAVE=1` to write bench/results/seeing.md and .json; otherwise
 * they go to scratch/bench/).
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
import { killAllChildren, type RunningServer } from './lib/server-process.ts';
import { median, percentile } from './lib/stats.ts';
import type { PairedResult } from './seeing-paired.ts';
import { bootstrapMedian, bootstrapRatioOfMedians, formatCI, type MedianCI } from './seeing-stats.ts';
import { measureToggled, partsTable, startSeeingServer, type ToggledResult } from './seeing-toggled.ts';

const TOOLS = ['off', 'recorder', 'watchdog', 'both'] as const;
/** The recorder's parts toggled alone, after the headline. */
const PARTS = ['syscalls', 'probe', 'probe-clock'] as const;

interface Config {
  /** B1 with four servers: sets of fresh servers, rounds per set, one run's length. */
  generations: number;
  rounds: number;
  durationMs: number;
  /** Socket pairs of each paired run. */
  pairs: readonly number[];
  blocks: number;
  /** B1 with the recorder toggled: phase length, servers, load time per server. */
  toggleMs: number;
  toggledServers: number;
  toggledSeconds: number;
  /** The recorder's parts, each toggled alone: servers per part (0: not measured). */
  partServers: number;
}

const config = (quick: boolean): Config =>
  quick
    ? {
        generations: 1,
        rounds: 2,
        durationMs: 1000,
        pairs: [8],
        blocks: 80,
        toggleMs: 100,
        toggledServers: 2,
        toggledSeconds: 4,
        partServers: 1,
      }
    : {
        generations: 3,
        rounds: 8,
        durationMs: 1000,
        pairs: [1, 8],
        blocks: 300,
        // six servers of 10 s with 100 ms phases: the narrowest interval for the load time of
        // two of 30 s with 250 ms (docs/seeing.md, Costs: "The headline's design")
        toggleMs: 100,
        toggledServers: 6,
        toggledSeconds: 10,
        partServers: 2,
      };

function plan(c: Config): BenchPlan {
  const b1 = c.generations * ((c.rounds + 0.5) * TOOLS.length * (c.durationMs / 1000 + 0.6) + 3);
  const paired = c.pairs.length * 3 * (c.blocks / 40 + 1);
  const toggled = (c.toggledServers + PARTS.length * c.partServers) * (c.toggledSeconds + 3);
  return {
    steps:
      c.generations * (c.rounds + 1) + c.toggledServers + PARTS.length * c.partServers + c.pairs.length * 3,
    seconds: Math.round(b1 + paired + toggled + 10),
  };
}

/** One row of the four-server B1 table. */
interface EchoRow {
  tools: string;
  /** Runs whose server CPU time could not be read (left out, with their round's comparison). */
  failedRuns: number;
  serverCpuUsPerRt: number;
  min: number;
  max: number;
  rtPerSec: number;
  /** median(tools) / median(off) over all rounds, with a bootstrap interval over sets and rounds. */
  ratioToOff: MedianCI;
  /** Each round's figure over that round's "off": median and interval, first and third quartile. */
  roundRatio: MedianCI & { q1: number; q3: number };
  /** Server CPU µs per round trip, by set of servers, round by round. */
  runs: number[][];
}

async function measureEcho(c: Config, progress: Progress): Promise<EchoRow[]> {
  ensureCProgram('loadgen');
  const runs = new Map<string, { cpuUsPerRt: number; rtPerSec: number }[][]>();
  for (let gen = 0; gen < c.generations; gen++) {
    const servers = new Map<string, RunningServer>();
    try {
      for (const tools of TOOLS) servers.set(tools, await startSeeingServer(tools, []));
      for (const tools of TOOLS) runs.set(tools, [...(runs.get(tools) ?? []), []]);
      for (let round = 0; round <= c.rounds; round++) {
        const set = c.generations > 1 ? `set ${gen + 1}/${c.generations}, ` : '';
        const done = progress.step(
          round === 0 ? `seeing B1 ${set}warm-up round` : `seeing B1 ${set}round ${round}/${c.rounds}`,
        );
        const said: string[] = [];
        // rotate the order each round, so that no server always follows the same one
        const order = TOOLS.map((_, i) => TOOLS[(i + round + gen) % TOOLS.length]!);
        for (const tools of order) {
          const srv = servers.get(tools)!; // started above
          const r = await runLoadgen({
            port: srv.port,
            conns: 50,
            inflight: 1,
            msgBytes: 64,
            warmupMs: 300,
            durationMs: round === 0 ? 500 : c.durationMs,
            maxMsgs: 5_000_000,
            serverPid: srv.pid,
          });
          // no CPU time read (or none in whole 10 ms ticks): a failed run, kept as NaN and counted
          const cpu = r.serverCpuSec ?? Number.NaN;
          const cpuUsPerRt = cpu > 0 && r.roundTrips > 0 ? (cpu * 1e6) / r.roundTrips : Number.NaN;
          said.push(`${tools} ${cpuUsPerRt.toFixed(2)}`);
          if (round === 0) continue; // warm-up round
          runs.get(tools)!.at(-1)!.push({ cpuUsPerRt, rtPerSec: r.rtPerSec }); // set above
        }
        done(`µs CPU/rt: ${said.join(', ')}`);
      }
    } finally {
      for (const s of servers.values()) await s.stop();
    }
  }
  killAllChildren();
  const cpuOf = (tools: string) => (runs.get(tools) ?? []).map((g) => g.map((r) => r.cpuUsPerRt));
  const offRuns = cpuOf('off');
  const ok = (x: number) => Number.isFinite(x);
  return TOOLS.map((tools) => {
    const cpu = cpuOf(tools);
    // rounds where this tool's or the off run failed are left out of the comparisons
    const both = cpu.map((g, k) => g.map((x, i) => [x, offRuns[k]?.[i] ?? Number.NaN] as const));
    const kept = both.map((g) => g.filter(([x, off]) => ok(x) && ok(off)));
    const ratios = kept.map((g) => g.map(([x, off]) => x / off));
    const flat = cpu.flat().filter(ok);
    return {
      tools,
      failedRuns: cpu.flat().length - flat.length,
      serverCpuUsPerRt: median(flat),
      min: Math.min(...flat),
      max: Math.max(...flat),
      rtPerSec: median((runs.get(tools) ?? []).flat().map((r) => r.rtPerSec)),
      ratioToOff: bootstrapRatioOfMedians(
        kept.map((g) => g.map(([x]) => x)),
        kept.map((g) => g.map(([, off]) => off)),
      ),
      roundRatio: {
        ...bootstrapMedian(ratios),
        q1: percentile(ratios.flat(), 0.25),
        q3: percentile(ratios.flat(), 0.75),
      },
      runs: cpu,
    };
  });
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
  parts: ToggledResult[],
  paired: PairedResult[],
): string {
  const toggledTable = markdownTable(
    [
      'tools',
      'servers × "on" phases',
      'off µs/round trip',
      'added ns/round trip (median, 95% interval)',
      '× off (median, 95% interval)',
      'single phases: middle half',
      'each server',
    ],
    [
      [
        'recorder',
        `${toggled.servers} × ${Math.round(toggled.pairs / toggled.servers)}`,
        toggled.offCpuUsPerRt.toFixed(2),
        formatCI(toggled.addedNsPerRt, 0),
        `**${formatCI(toggled.ratio)}**`,
        `${toggled.q1.toFixed(3)}–${toggled.q3.toFixed(3)}`,
        toggled.perServer.map((r) => r.toFixed(3)).join(', '),
      ],
    ],
  );
  const echoTable = markdownTable(
    [
      'tools',
      'server CPU µs/round trip (median, min–max)',
      '× off within a round (median, 95% interval)',
      'within a round: middle half',
      '× off (ratio of medians, 95% interval)',
      'round trips/s',
    ],
    echo.map((r) => [
      r.tools,
      `${r.serverCpuUsPerRt.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})${r.failedRuns > 0 ? `, ${r.failedRuns} run(s) without a CPU reading left out` : ''}`,
      formatCI(r.roundRatio),
      `${r.roundRatio.q1.toFixed(3)}–${r.roundRatio.q3.toFixed(3)}`,
      formatCI(r.ratioToOff),
      `${Math.round(r.rtPerSec)}`,
    ]),
  );
  // In B1 a round trip is one reader callback and one ready event, plus a share of an iteration
  // (tens of round trips each): the paired cost per callback with 8 pairs (16 per iteration)
  // over this run's B1 "off" is what the paired measure predicts for B1.
  const offUs = echo.find((r) => r.tools === 'off')?.serverCpuUsPerRt ?? Number.NaN;
  const widest = Math.max(...paired.map((p) => p.pairs));
  const share = (ns: number) => (1 + ns / (offUs * 1000)).toFixed(3);
  const predicted = markdownTable(
    [
      'tools',
      'B1 × off, toggled (95% interval)',
      'B1 × off, four servers, within a round (95% interval)',
      'paired: added ns/callback (95% interval)',
      'predicted B1 × off (95% interval)',
    ],
    paired
      .filter((p) => p.pairs === widest)
      .map((p) => [
        p.tools,
        p.tools === 'recorder' ? formatCI(toggled.ratio) : '–',
        (() => {
          const row = echo.find((r) => r.tools === p.tools);
          return row === undefined ? '?' : formatCI(row.roundRatio);
        })(),
        `${p.addedNsPerCallback.toFixed(0)} (${p.addedNsPerCallbackLo.toFixed(0)}–${p.addedNsPerCallbackHi.toFixed(0)})`,
        `${share(p.addedNsPerCallback)} (${share(p.addedNsPerCallbackLo)}–${share(p.addedNsPerCallbackHi)})`,
      ]),
  );
  const pairedTable = markdownTable(
    [
      'tools',
      'socket pairs',
      'plain loop CPU ns/iteration',
      'added ns/iteration',
      'added ns/callback (median, 95% interval)',
    ],
    paired.map((r) => [
      r.tools,
      `${r.pairs}`,
      r.offNsPerIteration.toFixed(0),
      r.addedNsPerIteration.toFixed(0),
      `${r.addedNsPerCallback.toFixed(0)} (${r.addedNsPerCallbackLo.toFixed(0)}–${r.addedNsPerCallbackHi.toFixed(0)})`,
    ]),
  );
  return [
    markdownHeader('Seeing tools: what the recorder and the watchdog cost', m),
    `Targets: recorder ≤ 1.03 × off, watchdog ≤ 1.01 × off, server CPU per round trip in B1 echo (64 B, 50 connections, 1 in flight). Every figure is a median with a bootstrap 95% interval (bench/seeing-stats.ts): the target is met by a measure when its interval lies below it. Load average at the start: ${load}.`,
    '',
    `**Headline: the recorder toggled in each server.** B1 against a server whose recorder is turned on and off every ${toggled.phaseMs} ms (bench/servers/nbio-echo-seeing.ts --toggle-ms), ${toggled.servers} fresh server(s) one after the other, ${toggled.secondsPerServer} s of load each: every "on" phase against the mean of the two "off" phases around it, server CPU per round trip. The same process, connections and load on both sides, the machine's drift cancelled; the interval is a two-level bootstrap (servers, then runs of 4 neighbouring phases), so it includes how much the cost moves between processes.`,
    '',
    toggledTable,
    '',
    ...(parts.length === 0
      ? []
      : [
          `What the recorder's cost is made of: each part turned on and off alone in the same way (${parts[0]?.servers ?? 0} fresh server(s) per part, ${toggled.secondsPerServer} s each), beside the headline's figure.`,
          '',
          partsTable(toggled, parts),
          '',
        ]),
    `B1, four servers (off, recorder, watchdog, both): ${c.generations} set(s) of four fresh servers, ${c.rounds} rounds of ${c.durationMs} ms each after a warm-up round, the four alternating, their order rotating each round. Each tool against the "off" of its round, and the ratio of the medians; the intervals draw sets, then rounds within them. Here each tool is a different process: a difference between processes (memory layout, JIT) is in these figures and not in the toggled one. The server's CPU time is read from /proc/<pid>/stat at the load generator's window edges, in whole 10 ms ticks (±1 tick is ~1% of a 1 s run on a quiet machine); the toggled measure reads process.cpuUsage() in µs.`,
    '',
    echoTable,
    '',
    `Paired, in one process (bench/seeing-paired.ts): a plain and a watched owner-mode epoll loop, each with N socket pairs ping-ponging 64 B (2 N reader callbacks per iteration), alternating blocks of 300 iterations, ${c.blocks} blocks, the recorder on only during the watched loop's blocks (its system-call counting is process-wide); median of the paired differences in CPU time.`,
    '',
    pairedTable,
    '',
    `Side by side: the paired cost per callback (${widest} pairs) as a share of this run's B1 "off" round trip (${offUs.toFixed(2)} µs, four-server median), one callback per round trip, beside the two B1 measures.`,
    '',
    predicted,
    '',
  ].join('\n');
}

async function run(ctx: BenchContext, c: Config = config(ctx.quick)): Promise<string> {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const toggled = await measureToggled(c.toggleMs, c.toggledServers, c.toggledSeconds, ctx.progress);
  const parts: ToggledResult[] = [];
  for (const part of c.partServers > 0 ? PARTS : [])
    parts.push(await measureToggled(c.toggleMs, c.partServers, c.toggledSeconds, ctx.progress, part));
  const echo = await measureEcho(c, ctx.progress);
  const paired = measurePairedRuns(c, ctx.progress);
  const md = render(ctx.machine, c, load, echo, toggled, parts, paired);
  writeResults(
    'seeing',
    { id: 'seeing', machine: ctx.machine, loadAverageAtStart: load, config: c, toggled, parts, echo, paired },
    md,
  );
  return md;
}

/** Issue 11: the cost of the flight recorder and the watchdog (B1 echo, and paired in one process). */
export const seeingBenchmark: Benchmark = {
  id: 'seeing',
  title: 'seeing: flight recorder and watchdog cost in B1 echo, and per callback (paired)',
  plan: (quick) => plan(config(quick)),
  run: (ctx) => run(ctx),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = config(process.argv.includes('--quick'));
  const nums = process.argv.slice(2).filter((x) => x !== '--quick');
  const c: Config = {
    ...base,
    generations: Number(nums[0] ?? base.generations),
    rounds: Number(nums[1] ?? base.rounds),
    durationMs: Number(nums[2] ?? base.durationMs),
    toggledServers: Number(nums[3] ?? base.toggledServers),
    toggledSeconds: Number(nums[4] ?? base.toggledSeconds),
    toggleMs: Number(nums[5] ?? base.toggleMs),
  };
  const progress = new Progress(plan(c).steps);
  try {
    console.log(await run({ quick: false, progress, machine: machineInfo(false) }, c));
  } finally {
    killAllChildren();
  }
}
