/**
 * B1, TCP echo: every server of echo-impls.ts under the same C load generator, side by side.
 *
 * Per shape: start every server (core 0, one port each; idle ones sleep in the kernel), one
 * warm-up run each, then `runs` rounds in which every server is measured once, in the same
 * order (A B C … A B C …), so drift on this shared machine hits all of them alike. The load
 * generator (core 1) reads the server's utime+stime at both edges of its measured window:
 * CPU per round trip does not depend on whether the client saturated the server.
 * After the timed rounds of a shape, each server gets one more short run under strace that
 * counts its I/O system calls per round trip (echo-syscalls.ts), never during a timed run.
 *
 * Narrowing a run (a same-run before/after on a few rows, written to scratch/bench/; never
 * `--save` a narrowed run over the full committed one): `NBIO_ECHO_SHAPES` picks shapes by label (`'16KiB c1 f16,1KiB c1 f1'`),
 * `NBIO_ECHO_IMPLS` servers by name (`nbio,nbio-streams,node-net`), `NBIO_ECHO_ROUNDS` the
 * number of measured rounds (default 3), `NBIO_ECHO_SYSCALLS=0` skips the strace counts:
 *
 *   NBIO_ECHO_SHAPES='16KiB c1 f16' NBIO_ECHO_IMPLS=nbio,node-net npm run bench -- echo
 *
 * @module
 */
import {
  allShapes,
  ECHO_IMPLS,
  type EchoImpl,
  type EchoShape,
  MAIN_SHAPE,
  pythonShape,
  shapeLabel,
} from './echo-impls.ts';
import { renderEchoMarkdown } from './echo-report.ts';
import { COUNT_DURATION_MS, countIoSyscalls, syscallCountUnavailable } from './echo-syscalls.ts';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { sleep } from './lib/benchmark.ts';
import { type LoadgenResult, runLoadgen } from './lib/loadgen.ts';
import { ensureCProgram, ensurePythonPeers } from './lib/peers.ts';
import { statusKb } from './lib/proc.ts';
import { writeResults } from './lib/results.ts';
import { freePort, type RunningServer, startServer } from './lib/server-process.ts';
import { fmt, medianRatio, summarize } from './lib/stats.ts';

/** One measured run of one server. */
export interface EchoRun {
  round: number;
  rtPerSec: number;
  roundTrips: number;
  durationMs: number;
  serverCpuSec: number | null;
  serverCpuUsPerRt: number | null;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  peakRssKb: number | null;
  clientCpuSec: number;
  connected: number;
  errors: number;
}

/** One row of echo.json: a server in a shape, medians over its runs. */
export interface EchoRow extends EchoShape {
  impl: string;
  rtPerSec: number;
  rtPerSecMin: number;
  rtPerSecMax: number;
  serverCpuUsPerRt: number;
  serverCpuUsPerRtMin: number;
  serverCpuUsPerRtMax: number;
  p50Us: number;
  p99Us: number;
  peakRssKb: number | null;
  /** Median over rounds of this run's rt/s ÷ Node net's in the same round. */
  xNodeNet: number | null;
  runs: EchoRun[];
  /** Latency histogram of all runs: [lowNs, highNs, count]. */
  latencyHistogramNs: [number, number, number][];
  /** I/O system calls per round trip of the server's main thread, from the strace run; null when not counted. */
  ioSyscallsPerRt: number | null;
  /** Those calls by name, or why they were not counted. */
  ioSyscalls: Record<string, number> | string;
}

/** Runs and durations of a B1 run. */
export interface EchoTiming {
  runs: number;
  warmup: boolean;
  warmupMs: number;
  durationMs: number;
  warmupRunMs: number;
  /** Count I/O system calls under strace after each shape's timed runs (default true). */
  countSyscalls?: boolean;
}

/** B1's timing: one short run when `quick`, else warm-ups and `NBIO_ECHO_ROUNDS` rounds (default 3). */
export const echoTiming = (quick: boolean): EchoTiming => ({
  ...(quick
    ? { runs: 1, warmup: false, warmupMs: 500, durationMs: 1500, warmupRunMs: 0 }
    : {
        runs: Number(process.env.NBIO_ECHO_ROUNDS ?? 3),
        warmup: true,
        warmupMs: 300,
        durationMs: 1500,
        warmupRunMs: 700,
      }),
  countSyscalls: process.env.NBIO_ECHO_SYSCALLS !== '0',
});

/** The comma-separated list in environment variable `name`, or null when it is not set. */
const envList = (name: string): string[] | null => process.env[name]?.split(',').map((s) => s.trim()) ?? null;

/** Rough cost of one load generator run beyond its windows (spawn, connect, drain) in s. */
const RUN_OVERHEAD_S = 0.3;
/** Rough start-up time of a server (tsx compiles TypeScript) in s. */
const START_S = 0.6;
/** Rough cost of one strace counting run (attach, connect, traffic, detach) in s. */
const COUNT_S = COUNT_DURATION_MS / 1000 + 1;

function shapesFor(quick: boolean): { shape: EchoShape; impls: EchoImpl[] }[] {
  const onlyShapes = envList('NBIO_ECHO_SHAPES');
  const onlyImpls = envList('NBIO_ECHO_IMPLS');
  const shapes = (quick ? [MAIN_SHAPE] : allShapes()).filter(
    (s) => onlyShapes === null || onlyShapes.includes(shapeLabel(s)),
  );
  // uvloop also at 64 B with one connection: issue 13's target there is stated against it.
  const c1 = (s: EchoShape) => s.msgBytes === 64 && s.conns === 1 && s.inFlight === 1;
  return shapes.map((shape) => ({
    shape,
    impls: ECHO_IMPLS.filter(
      (i) =>
        (onlyImpls === null || onlyImpls.includes(i.name)) &&
        (!i.python || pythonShape(shape) || (i.name === 'uvloop' && c1(shape))),
    ),
  }));
}

function plan(quick: boolean): BenchPlan {
  const t = echoTiming(quick);
  let steps = 0;
  let seconds = 0;
  for (const { impls } of shapesFor(quick)) {
    const perImpl = t.runs + (t.warmup ? 1 : 0);
    steps += impls.length * perImpl;
    seconds += impls.length * (START_S + COUNT_S);
    seconds += impls.length * t.runs * ((t.warmupMs + t.durationMs) / 1000 + RUN_OVERHEAD_S);
    if (t.warmup) seconds += impls.length * ((t.warmupMs + t.warmupRunMs) / 1000 + RUN_OVERHEAD_S);
  }
  return { steps, seconds };
}

function toRun(round: number, r: LoadgenResult, peakRssKb: number | null): EchoRun {
  return {
    round,
    rtPerSec: r.rtPerSec,
    roundTrips: r.roundTrips,
    durationMs: r.durationMs,
    serverCpuSec: r.serverCpuSec,
    serverCpuUsPerRt:
      r.serverCpuSec !== null && r.roundTrips > 0 ? (r.serverCpuSec / r.roundTrips) * 1e6 : null,
    p50Us: r.latencyUs.p50,
    p99Us: r.latencyUs.p99,
    p999Us: r.latencyUs.p999,
    maxUs: r.latencyUs.max,
    peakRssKb,
    clientCpuSec: r.clientCpuSec,
    connected: r.connected,
    errors: r.errors,
  };
}

function mergeHistograms(into: Map<number, [number, number, number]>, h: [number, number, number][]): void {
  for (const [lo, hi, n] of h) {
    const cur = into.get(lo);
    if (cur) cur[2] += n;
    else into.set(lo, [lo, hi, n]);
  }
}

async function run(ctx: BenchContext): Promise<string> {
  return runEcho(ctx, shapesFor(ctx.quick), echoTiming(ctx.quick));
}

/**
 * Runs B1 over `matrix` with timing `t` and writes echo.json/echo.md (the suite calls it with the
 * full or quick matrix; an investigation may pass its own).
 */
export async function runEcho(
  ctx: BenchContext,
  matrix: readonly { shape: EchoShape; impls: readonly EchoImpl[] }[],
  t: EchoTiming,
  id = 'echo',
): Promise<string> {
  const { progress } = ctx;
  ensureCProgram('loadgen');
  ensureCProgram('echo-server');
  const python = ensurePythonPeers();
  const skipped = new Map<string, string>();
  for (const impl of ECHO_IMPLS) {
    const why = impl.precheck() ?? (impl.pythonModule ? (python.get(impl.pythonModule) ?? null) : null);
    if (why !== null) skipped.set(impl.name, why);
  }
  const rows: EchoRow[] = [];
  const perImplSteps = t.runs + (t.warmup ? 1 : 0);

  for (const { shape, impls } of matrix) {
    const label = shapeLabel(shape);
    const servers = new Map<string, RunningServer>();
    for (const impl of impls) {
      const known = skipped.get(impl.name);
      if (known === undefined) {
        const port = await freePort();
        const started = await startServer(impl.command(port), port);
        if (started.ok) {
          servers.set(impl.name, started.server);
          continue;
        }
        skipped.set(impl.name, started.reason);
      }
      progress.note(`skip echo ${impl.name} ${label}: ${skipped.get(impl.name)}`);
      progress.addPlanned(-perImplSteps);
    }
    const cap = (ms: number) => Math.ceil((ms / 1000) * 2_000_000);
    const load = (srv: RunningServer, warmupMs: number, durationMs: number) =>
      runLoadgen({
        port: srv.port,
        conns: shape.conns,
        inflight: shape.inFlight,
        msgBytes: shape.msgBytes,
        warmupMs,
        durationMs,
        maxMsgs: cap(warmupMs + durationMs),
        serverPid: srv.pid,
      });
    const runsBy = new Map<string, EchoRun[]>();
    const hists = new Map<string, Map<number, [number, number, number]>>();
    const measure = async (name: string, what: string, round: number) => {
      const srv = servers.get(name)!;
      const done = progress.step(`echo ${name} ${label} ${what}`);
      if (!srv.alive) return done(`server gone: ${srv.stderrTail()}`);
      try {
        const warm = round === 0;
        const r = await load(srv, t.warmupMs, warm ? t.warmupRunMs : t.durationMs);
        const run = toRun(round, r, statusKb(srv.pid, 'VmHWM'));
        const cpu = run.serverCpuUsPerRt === null ? '–' : run.serverCpuUsPerRt.toFixed(1);
        done(
          `${fmt(run.rtPerSec)} rt/s, ${cpu} µs CPU/rt, p99 ${fmt(run.p99Us)} µs${r.errors ? `, ${r.errors} errors` : ''}`,
        );
        if (warm) return;
        runsBy.set(name, [...(runsBy.get(name) ?? []), run]);
        if (!hists.has(name)) hists.set(name, new Map());
        mergeHistograms(hists.get(name)!, r.histogramNs);
      } catch (err) {
        done(`failed: ${(err as Error).message}`);
      }
      await sleep(100); // let sockets of the last run finish closing
    };
    if (t.warmup) for (const name of servers.keys()) await measure(name, 'warm-up', 0);
    for (let round = 1; round <= t.runs; round++) {
      for (const name of servers.keys()) await measure(name, `run ${round}/${t.runs}`, round);
    }
    const counts = new Map<string, Record<string, number> | string>();
    const perRt = new Map<string, number>();
    for (const [name, srv] of servers) {
      const why = t.countSyscalls === false ? 'not asked' : syscallCountUnavailable();
      if (why !== null || !srv.alive) {
        counts.set(name, why ?? 'server gone');
        continue;
      }
      const c = await countIoSyscalls(srv, shape);
      if (typeof c === 'string') {
        counts.set(name, c);
        progress.note(`syscalls of ${name} ${label}: ${c}`);
      } else {
        counts.set(name, c.calls);
        perRt.set(name, c.ioCallsPerRt);
        progress.note(`syscalls of ${name} ${label}: ${c.ioCallsPerRt.toFixed(3)} I/O calls per round trip`);
      }
      await sleep(100);
    }
    for (const srv of servers.values()) await srv.stop();

    const nodeRuns = runsBy.get('node-net') ?? [];
    for (const [impl, runs] of runsBy) {
      const rt = summarize(runs.map((r) => r.rtPerSec));
      const cpu = summarize(runs.flatMap((r) => (r.serverCpuUsPerRt === null ? [] : [r.serverCpuUsPerRt])));
      const rss = runs.flatMap((r) => (r.peakRssKb === null ? [] : [r.peakRssKb]));
      const byRound = (rs: EchoRun[]) => new Map(rs.map((r) => [r.round, r.rtPerSec]));
      const mine = byRound(runs);
      const theirs = byRound(nodeRuns);
      const common = [...mine.keys()].filter((k) => theirs.has(k));
      rows.push({
        impl,
        ...shape,
        rtPerSec: rt.median,
        rtPerSecMin: rt.min,
        rtPerSecMax: rt.max,
        serverCpuUsPerRt: cpu.median,
        serverCpuUsPerRtMin: cpu.min,
        serverCpuUsPerRtMax: cpu.max,
        p50Us: summarize(runs.map((r) => r.p50Us)).median,
        p99Us: summarize(runs.map((r) => r.p99Us)).median,
        peakRssKb: rss.length > 0 ? Math.max(...rss) : null,
        xNodeNet:
          common.length > 0
            ? medianRatio(
                common.map((k) => mine.get(k)!),
                common.map((k) => theirs.get(k)!),
              )
            : null,
        runs,
        latencyHistogramNs: [...(hists.get(impl)?.values() ?? [])].sort((a, b) => a[0] - b[0]),
        ioSyscallsPerRt: perRt.get(impl) ?? null,
        ioSyscalls: counts.get(impl) ?? 'not counted',
      });
    }
  }

  const result = {
    id,
    machine: ctx.machine,
    protocol: {
      serverCpu: 0,
      loadgenCpu: 1,
      runs: t.runs,
      warmupRun: t.warmup,
      inRunWarmupMs: t.warmupMs,
      windowMs: t.durationMs,
      syscallCountMs: t.countSyscalls === false ? null : COUNT_DURATION_MS,
    },
    impls: ECHO_IMPLS.map((i) => ({ name: i.name, description: i.description })),
    skipped: Object.fromEntries(skipped),
    rows,
  };
  const md = renderEchoMarkdown(ctx.machine, rows, skipped, t.runs);
  writeResults(id, result, md);
  return md;
}

/** B1: TCP echo, every server side by side. */
export const echoBenchmark: Benchmark = {
  id: 'echo',
  title: 'B1 TCP echo: nbio vs Node net, C epoll, bare koffi and the Python peers',
  plan,
  run,
};
