/**
 * B4, idle connections: hold N connections open to a server (the C load generator does, on
 * core 1), ask the server (core 0) for `process.memoryUsage()` after a full GC before and after,
 * and divide: RSS and JS heap per connection. Then 1% of the connections echo 64 B messages
 * while the server measures its event-loop lag (p99). nbio's server is `createServer` from
 * src/net/listener.ts (skipped with the reason while it does not exist); the peer is Node `net`.
 *
 * @module
 */
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { sleep } from './lib/benchmark.ts';
import { type LoadgenResult, startLoadgen } from './lib/loadgen.ts';
import { ensureCProgram } from './lib/peers.ts';
import { statusKb } from './lib/proc.ts';
import { type MachineInfo, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { freePort, type RunningServer, type ServerCommand, startServer } from './lib/server-process.ts';
import { fmt, summarize } from './lib/stats.ts';

const IMPLS: { name: string; command(port: number): ServerCommand }[] = [
  {
    name: 'nbio',
    command: (port) => ({
      cmd: process.execPath,
      args: ['--expose-gc', '--import', 'tsx', 'bench/servers/nbio-idle-server.ts', '--port', String(port)],
    }),
  },
  {
    name: 'node-net',
    command: (port) => ({
      cmd: process.execPath,
      args: [
        '--expose-gc',
        '--import',
        'tsx',
        'bench/servers/node-net-echo.ts',
        '--port',
        String(port),
        '--control',
      ],
    }),
  },
];

/** One run: one server holding `conns` connections. */
export interface IdleRun {
  round: number;
  conns: number;
  connected: number;
  serverConnections: number;
  rssBaseKb: number;
  rssKb: number;
  rssPerConnB: number;
  heapPerConnB: number;
  externalPerConnB: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  activeRtPerSec: number;
  peakRssKb: number | null;
}

/** The loadgen's warm-up before its measured window (ms). */
const WARMUP_MS = 300;
/** The lag window stops this long before the loadgen's window ends (and it closes everything). */
const LAG_END_MARGIN_MS = 300;

interface Config {
  counts: number[];
  runs: number;
  activeMs: number;
}

const config = (quick: boolean): Config =>
  quick
    ? { counts: [15_000], runs: 1, activeMs: 2000 }
    : { counts: [1000, 5000, 15_000], runs: 3, activeMs: 3000 };

/** Seconds a run takes beyond its active window: start, connect, GC, settle, stop. */
const runOverhead = (conns: number) => 2.5 + conns / 5000;

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  const steps = c.counts.length * c.runs * IMPLS.length;
  const seconds = c.counts.reduce(
    (a, n) => a + c.runs * IMPLS.length * (runOverhead(n) + c.activeMs / 1000),
    0,
  );
  return { steps, seconds };
}

type Mem = { rss: number; heapUsed: number; external: number; arrayBuffers: number; connections: number };

async function mem(srv: RunningServer): Promise<Mem> {
  srv.send('mem');
  return (await srv.nextJson(15_000)) as unknown as Mem;
}

async function oneRun(srv: RunningServer, conns: number, round: number, c: Config): Promise<IdleRun> {
  const base = await mem(srv);
  const lg = startLoadgen(
    {
      port: srv.port,
      conns,
      active: Math.max(1, Math.ceil(conns / 100)),
      inflight: 1,
      msgBytes: 64,
      warmupMs: WARMUP_MS,
      durationMs: c.activeMs,
      connectBatch: 256,
      serverPid: srv.pid,
    },
    true,
  );
  const info = await Promise.race([
    lg.connected,
    lg.result.then((): never => {
      throw new Error('loadgen ended before connecting');
    }),
  ]);
  // Wait (bounded) until the server has accepted every connection the client sees open.
  let loaded = await mem(srv);
  for (let i = 0; i < 60 && loaded.connections < info.connected; i++) {
    await sleep(250);
    loaded = await mem(srv);
  }
  // The lag window is the loadgen's measured window, less a margin at its end: it starts after
  // the warm-up and stops before the loadgen closes its connections. That close (all N at once)
  // is a burst of N hang-ups for the server, not "N idle, 1% active": with the window around it
  // the teardown decided the p99 (nbio, 15,000: ~17 samples of 12-32 ms while the hang-ups were
  // read and the sockets closed, close(2) most of it, out of ~600).
  lg.go();
  await sleep(WARMUP_MS);
  srv.send('lag-start');
  await srv.nextJson(5000);
  await sleep(c.activeMs - LAG_END_MARGIN_MS);
  srv.send('lag-stop');
  const lag = (await srv.nextJson(5000)) as { p50Ms: number; p99Ms: number; maxMs: number };
  const r: LoadgenResult = await lg.result;
  const n = Math.max(1, loaded.connections);
  return {
    round,
    conns,
    connected: info.connected,
    serverConnections: loaded.connections,
    rssBaseKb: base.rss / 1024,
    rssKb: loaded.rss / 1024,
    rssPerConnB: (loaded.rss - base.rss) / n,
    heapPerConnB: (loaded.heapUsed - base.heapUsed) / n,
    externalPerConnB: (loaded.external + loaded.arrayBuffers - base.external - base.arrayBuffers) / n,
    lagP50Ms: lag.p50Ms,
    lagP99Ms: lag.p99Ms,
    lagMaxMs: lag.maxMs,
    activeRtPerSec: r.rtPerSec,
    peakRssKb: statusKb(srv.pid, 'VmHWM'),
  };
}

/** One row of idle.json: an implementation at a connection count, medians over runs. */
export interface IdleRow {
  impl: string;
  conns: number;
  rssPerConnB: number;
  heapPerConnB: number;
  externalPerConnB: number;
  lagP99Ms: number;
  activeRtPerSec: number;
  runs: IdleRun[];
}

function render(machine: MachineInfo, rows: IdleRow[], skipped: Map<string, string>): string {
  const out = [markdownHeader('B4 — idle connections', machine)];
  out.push(
    'N connections held open by the C load generator (core 1) to a server on core 0. Per connection: ' +
      '(memory with N open − memory before any) ÷ N, both read by the server after a full GC. Loop lag: ' +
      "Node's `monitorEventLoopDelay` (5 ms resolution) in the server while 1% of the connections echo 64 B " +
      "messages, from the end of the load generator's warm-up to 300 ms before the end of its window (so " +
      'not while it closes all N connections at once). Medians over the runs.',
    '',
  );
  const big = Math.max(...rows.map((r) => r.conns), 0);
  const nbio = rows.find((r) => r.impl === 'nbio' && r.conns === big);
  out.push('## Target (issue 4)', '');
  out.push(
    markdownTable(
      ['target', 'measured', ''],
      [
        [
          `≤ 2 KB RSS per idle connection (${big} held)`,
          nbio ? `${(nbio.rssPerConnB / 1000).toFixed(2)} KB` : '–',
          nbio
            ? nbio.rssPerConnB <= 2000
              ? 'met'
              : '**missed**'
            : `not measured${skipped.has('nbio') ? `: ${skipped.get('nbio')}` : ''}`,
        ],
      ],
    ),
    '',
  );
  const body = rows.map((r) => [
    r.impl,
    String(r.conns),
    (r.rssPerConnB / 1000).toFixed(2),
    (r.heapPerConnB / 1000).toFixed(2),
    (r.externalPerConnB / 1000).toFixed(2),
    r.lagP99Ms.toFixed(2),
    fmt(r.activeRtPerSec),
  ]);
  out.push(
    markdownTable(
      [
        'impl',
        'connections',
        'RSS KB/conn',
        'JS heap KB/conn',
        'external KB/conn',
        'lag p99 ms (1% active)',
        'active rt/s',
      ],
      body,
    ),
    '',
  );
  if (skipped.size > 0) {
    out.push('## Skipped', '');
    for (const [impl, why] of skipped) out.push(`- ${impl}: ${why}`);
  }
  return `${out.join('\n')}\n`;
}

async function run(ctx: BenchContext): Promise<string> {
  const c = config(ctx.quick);
  ensureCProgram('loadgen');
  const skipped = new Map<string, string>();
  const runs = new Map<string, IdleRun[]>();
  const stepsDone = new Map<string, number>();
  for (const conns of c.counts) {
    for (let round = 1; round <= c.runs; round++) {
      for (const impl of IMPLS) {
        if (skipped.has(impl.name)) continue;
        const done = ctx.progress.step(`idle ${impl.name} ${conns} conns run ${round}/${c.runs}`);
        stepsDone.set(impl.name, (stepsDone.get(impl.name) ?? 0) + 1);
        const port = await freePort();
        const started = await startServer(impl.command(port), port);
        if (!started.ok) {
          skipped.set(impl.name, started.reason);
          done(`skipped: ${started.reason}`);
          ctx.progress.addPlanned(-(c.counts.length * c.runs - stepsDone.get(impl.name)!));
          continue;
        }
        try {
          const r = await oneRun(started.server, conns, round, c);
          runs.set(`${impl.name} ${conns}`, [...(runs.get(`${impl.name} ${conns}`) ?? []), r]);
          done(
            `${(r.rssPerConnB / 1000).toFixed(2)} KB RSS/conn, ${(r.heapPerConnB / 1000).toFixed(2)} KB heap/conn, ` +
              `lag p99 ${r.lagP99Ms.toFixed(1)} ms (${r.serverConnections}/${conns} held)`,
          );
        } catch (err) {
          done(`failed: ${(err as Error).message}`);
        } finally {
          await started.server.stop();
        }
        await sleep(200);
      }
    }
  }
  const rows: IdleRow[] = [];
  for (const conns of c.counts) {
    for (const impl of IMPLS) {
      const rs = runs.get(`${impl.name} ${conns}`);
      if (!rs) continue;
      const med = (f: (r: IdleRun) => number) => summarize(rs.map(f)).median;
      rows.push({
        impl: impl.name,
        conns,
        rssPerConnB: med((r) => r.rssPerConnB),
        heapPerConnB: med((r) => r.heapPerConnB),
        externalPerConnB: med((r) => r.externalPerConnB),
        lagP99Ms: med((r) => r.lagP99Ms),
        activeRtPerSec: med((r) => r.activeRtPerSec),
        runs: rs,
      });
    }
  }
  const md = render(ctx.machine, rows, skipped);
  writeResults(
    'idle',
    { id: 'idle', machine: ctx.machine, config: c, skipped: Object.fromEntries(skipped), rows },
    md,
  );
  return md;
}

/** B4: memory per idle connection and loop lag, nbio vs Node net. */
export const idleBenchmark: Benchmark = {
  id: 'idle',
  title: 'B4 idle connections: RSS and heap per connection, loop lag with 1% active (nbio vs Node net)',
  plan,
  run,
};
