/**
 * B2, selector scaling: N idle socketpairs (two descriptors each) plus 1 or 100 active ones
 * (a byte waiting, never read: level-triggered readiness reports them every time), one end of
 * each registered for reading; µs per iteration for select, poll and epoll, at the bare
 * `Selector` and through the `EventLoop`, beside the bare koffi `epoll_wait` floor and CPython's
 * `selectors` with the same shape. select refuses descriptors past 1023: recorded as refused.
 *
 * In this process: RLIMIT_NOFILE's soft limit is raised to the hard limit (9,600 pairs are
 * 19,200 descriptors); the main thread is pinned to core 0 while measuring.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventLoop } from '../src/loop/event-loop.ts';
import { availableBackends } from '../src/selector/default-selector.ts';
import type { SelectorName } from '../src/selector/selector.ts';
import { close, read, write } from '../src/sys/fd.ts';
import { getNoFileLimit, setNoFileLimit } from '../src/sys/rlimit.ts';
import { socketpair } from '../src/sys/socket.ts';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { PYTHON } from './lib/peers.ts';
import { pinSelf, unpinSelf } from './lib/proc.ts';
import { resultsDir, writeResults } from './lib/results.ts';
import { spawnTracked } from './lib/server-process.ts';
import { summarize } from './lib/stats.ts';
import {
  type Bounds,
  type Measurement,
  measureBareEpoll,
  measureLoop,
  measureSelector,
} from './selectors-measure.ts';
import { renderSelectorsMarkdown, renderSelectorsSvg } from './selectors-report.ts';

/** One row of selectors.json. */
export interface SelectorRow {
  impl: string;
  level: 'selector' | 'loop' | 'floor' | 'python';
  idle: number;
  active: number;
  /** Median µs per iteration, or null when refused. */
  usPerIter: number | null;
  usMin: number | null;
  usMax: number | null;
  /** Events one iteration reported (should equal `active`). */
  events: number | null;
  refused: string | null;
  runs: Measurement[];
}

interface Config {
  idles: number[];
  actives: number[];
  runs: number;
  bounds: Bounds;
}

const config = (quick: boolean): Config =>
  quick
    ? { idles: [64, 1000, 9500], actives: [1], runs: 1, bounds: { timeMs: 100, maxIter: 200_000 } }
    : {
        idles: [64, 128, 256, 480, 1000, 2000, 4000, 6000, 9500],
        actives: [1, 100],
        runs: 3,
        bounds: { timeMs: 100, maxIter: 200_000 },
      };

const NBIO_BACKENDS: SelectorName[] = ['select', 'poll', 'epoll'];

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  const perConfig = (NBIO_BACKENDS.length * 2 + 1 + 3) * c.runs * (c.bounds.timeMs / 1000 + 0.03);
  return {
    steps: c.idles.length * c.actives.length,
    seconds: c.idles.length * c.actives.length * perConfig + c.idles.length * 0.5,
  };
}

function toRow(
  impl: string,
  level: SelectorRow['level'],
  idle: number,
  active: number,
  runs: Measurement[],
): SelectorRow {
  const ok = runs.flatMap((r) => ('us' in r ? [r] : []));
  const refused = runs.find((r): r is { refused: string } => 'refused' in r)?.refused ?? null;
  const s = summarize(ok.map((r) => r.us));
  return {
    impl,
    level,
    idle,
    active,
    usPerIter: ok.length ? s.median : null,
    usMin: ok.length ? s.min : null,
    usMax: ok.length ? s.max : null,
    events: ok[0]?.events ?? null,
    refused: ok.length ? null : refused,
    runs,
  };
}

/** Runs the CPython peer for one N; resolves with its rows (none when Python is missing). */
function pythonPeer(idle: number, c: Config): Promise<SelectorRow[]> {
  return new Promise((resolve) => {
    const args = [
      'bench/selectors-peer.py',
      '--idle',
      String(idle),
      '--active',
      c.actives.join(','),
      '--runs',
      String(c.runs),
      '--time-ms',
      String(c.bounds.timeMs),
      '--max-iter',
      String(c.bounds.maxIter),
    ];
    const child = spawnTracked(PYTHON, args, 'ignore');
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', () => resolve([]));
    child.once('exit', () => {
      clearTimeout(killer);
      const rows: SelectorRow[] = [];
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const v = JSON.parse(line) as { impl: string; idle: number; active: number; runs: Measurement[] };
        rows.push(toRow(v.impl, 'python', v.idle, v.active, v.runs));
      }
      if (rows.length === 0 && err)
        console.error(`    python selectors peer failed: ${err.trim().split('\n').at(-1)}`);
      resolve(rows);
    });
  });
}

async function run(ctx: BenchContext): Promise<string> {
  const c = config(ctx.quick);
  const lim = getNoFileLimit();
  if (lim.soft < lim.hard) setNoFileLimit({ soft: lim.hard, hard: lim.hard });
  const maxActive = Math.max(...c.actives);
  const need = 2 * (Math.max(...c.idles) + maxActive) + 64;
  const have = getNoFileLimit().soft;
  const idles = c.idles.filter((n) => 2 * (n + maxActive) + 64 <= have);
  if (idles.length < c.idles.length) {
    ctx.progress.note(`RLIMIT_NOFILE ${have} < ${need}: measuring N ≤ ${idles.at(-1)} only`);
    ctx.progress.addPlanned(-(c.idles.length - idles.length) * c.actives.length);
  }
  const backends = NBIO_BACKENDS.filter((b) => availableBackends().includes(b));
  const pairs: [number, number][] = [];
  const rows: SelectorRow[] = [];
  const one = new Uint8Array([120]);
  const scratch = new Uint8Array(16);
  // One loop per backend, made before the socketpairs so its own descriptors stay below 1024.
  const loops = new Map(backends.map((b) => [b, new EventLoop({ selector: b })]));
  pinSelf('0');
  try {
    for (let i = 0; i < Math.max(...idles) + maxActive; i++) pairs.push(socketpair('stream'));
    // Warm-up, discarded: every code path once, so the first configuration is not the JIT's.
    const warmFds = pairs.slice(0, 64).map((p) => p[0]);
    const warmBounds = { timeMs: c.bounds.timeMs / 2, maxIter: c.bounds.maxIter };
    for (const b of backends) {
      measureSelector(b, warmFds, warmBounds);
      measureLoop(loops.get(b)!, warmFds, warmBounds);
    }
    measureBareEpoll(warmFds, warmBounds);
    for (const idle of idles) {
      for (const active of c.actives) {
        const done = ctx.progress.step(`selectors N=${idle} idle + ${active} active`);
        for (let i = idle; i < idle + active; i++) write(pairs[i]![1], one); // pairs: the most fds any case uses
        const fds = pairs.slice(0, idle + active).map((p) => p[0]);
        const impls: [string, SelectorRow['level'], () => Measurement][] = [
          ...backends.map((b): [string, SelectorRow['level'], () => Measurement] => [
            b,
            'selector',
            () => measureSelector(b, fds, c.bounds),
          ]),
          ...backends.map((b): [string, SelectorRow['level'], () => Measurement] => [
            b,
            'loop',
            () => measureLoop(loops.get(b)!, fds, c.bounds),
          ]),
          ['koffi-epoll', 'floor', () => measureBareEpoll(fds, c.bounds)],
        ];
        const measured = impls.map(([name, level, m]) => ({ name, level, m, runs: [] as Measurement[] }));
        for (let r = 0; r < c.runs; r++) for (const x of measured) x.runs.push(x.m());
        const here = measured.map((x) => toRow(x.name, x.level, idle, active, x.runs));
        rows.push(...here);
        for (let i = idle; i < idle + active; i++) read(pairs[i]![0], scratch);
        done(
          here
            .map(
              (r) =>
                `${r.impl}${r.level === 'loop' ? '/loop' : ''} ${r.usPerIter === null ? 'refused' : r.usPerIter.toFixed(1)}`,
            )
            .join(', ') + ' µs',
        );
      }
    }
  } finally {
    for (const loop of loops.values()) loop.close();
    for (const [a, b] of pairs) {
      close(a);
      close(b);
    }
    unpinSelf();
  }
  // The CPython peer, in its own process (same shape, same machine, right after).
  for (const idle of idles) rows.push(...(await pythonPeer(idle, c)));

  const result = {
    id: 'selectors',
    machine: ctx.machine,
    shape: { idles, actives: c.actives, runs: c.runs, bounds: c.bounds, noFileLimit: getNoFileLimit() },
    rows,
  };
  const md = renderSelectorsMarkdown(ctx.machine, rows, c.actives);
  writeResults('selectors', result, md);
  writeFileSync(join(resultsDir(), 'selectors.svg'), renderSelectorsSvg(ctx.machine, rows, c.actives));
  return md;
}

/** B2: selector scaling with idle descriptors. */
export const selectorsBenchmark: Benchmark = {
  id: 'selectors',
  title: 'B2 selector scaling: select/poll/epoll × N idle socketpairs, Selector and EventLoop, vs CPython',
  plan,
  run,
};
