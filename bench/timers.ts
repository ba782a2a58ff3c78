/**
 * B5, timers: nbio's timer heap (`loop.callLater`, `TimerHandle.cancel`, `reschedule`) against
 * Node's timers (`setTimeout`, `clearTimeout`, `timeout.refresh()`), in the same process shape,
 * measured in the same run, alternating (nbio, Node, nbio, Node …) with a full GC between.
 *
 * - insert: 1M timers, delays 60 s + (i mod 1000) ms (none fires); ns per insert, then ns per
 *   cancel of all of them (the cleanup).
 * - cancel-heavy: 1M timers, delays 1 + (i mod 100) ms; 90% cancelled at once (ns per cancel);
 *   the 10% left fire (CPU ns per fired timer, from `process.cpuUsage`).
 * - re-arm-heavy: 10,000 connections' idle timeouts (30 s), then 1M activity events, each
 *   sliding one connection's timeout (`reschedule(30_000)` / `refresh()`); ns per re-arm.
 *
 * nbio runs on the default loop configuration (epoll, guest mode), which is what its users get,
 * and on one loop for the whole run, as a program has one loop and Node one timer system per
 * process: a new loop per round let V8 drop, at the GC between rounds, the code it had compiled
 * for the previous loop's hidden classes, and rounds 2 and 3 of re-arm-heavy then ran at 2-3×
 * the cost of round 1 (docs/loop-iteration.md, Timers). Before each run: a full GC, then a
 * 100 ms settle (concurrent sweeping and the GC's idle tasks finish, for both sides alike); the
 * side that runs first alternates from round to round; one untimed full-size run of each side
 * comes before all (the young generation grows during the first 1M timers).
 *
 * @module
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventLoop } from '../src/loop/event-loop.ts';
import type { TimerHandle } from '../src/loop/handle.ts';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { pinSelf, unpinSelf } from './lib/proc.ts';
import { type MachineInfo, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { medianRatio, summarize } from './lib/stats.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The figures of one run of one case (ns per operation; `fireNs` is CPU time). */
export type TimerFigures = Record<string, number>;

/** A case, implemented for both sides. */
interface TimerCase {
  name: string;
  /** The figure the targets and the table lead with. */
  main: string;
  /** On `loop`, which the run shares across rounds and cases; leaves no timer in it. */
  nbio(loop: EventLoop, n: number): Promise<TimerFigures>;
  node(n: number): Promise<TimerFigures>;
}

const noop = () => {};
const nsPer = (ms: number, n: number) => (ms * 1e6) / n;

/** Waits until `done()` holds (checked every ms), at most `limitMs`. */
function until(done: () => boolean, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const check = () => {
      if (done()) return resolve();
      if (performance.now() - t0 > limitMs)
        return reject(new Error(`timers did not fire within ${limitMs} ms`));
      setTimeout(check, 1);
    };
    check();
  });
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Time the GC's concurrent work (sweeping, idle tasks) gets after `gc()` before a run starts. */
const SETTLE_MS = 100;

/** A full GC, then `SETTLE_MS` of idle: the same heap state before every run of either side. */
async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

const CASES: TimerCase[] = [
  {
    name: 'insert',
    main: 'insertNs',
    async nbio(loop, n) {
      const hs = new Array<TimerHandle>(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) hs[i] = loop.callLater(60_000 + (i % 1000), noop);
      const t1 = performance.now();
      for (let i = 0; i < n; i++) hs[i]!.cancel(); // hs[0..n) filled above
      const t2 = performance.now();
      return { insertNs: nsPer(t1 - t0, n), cancelAllNs: nsPer(t2 - t1, n) };
    },
    async node(n) {
      const hs = new Array<NodeJS.Timeout>(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) hs[i] = setTimeout(noop, 60_000 + (i % 1000));
      const t1 = performance.now();
      for (let i = 0; i < n; i++) clearTimeout(hs[i]);
      const t2 = performance.now();
      return { insertNs: nsPer(t1 - t0, n), cancelAllNs: nsPer(t2 - t1, n) };
    },
  },
  {
    name: 'cancel-heavy',
    main: 'cancelNs',
    async nbio(loop, n) {
      let fired = 0;
      const hit = () => {
        fired++;
      };
      const hs = new Array<TimerHandle>(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) hs[i] = loop.callLater(1 + (i % 100), hit);
      const t1 = performance.now();
      for (let i = 0; i < n; i++) if (i % 10 !== 0) hs[i]!.cancel();
      const t2 = performance.now();
      const c0 = process.cpuUsage();
      const left = Math.ceil(n / 10);
      await until(() => fired >= left, 20_000);
      const fireCpu = cpuMs(process.cpuUsage(c0));
      return {
        insertNs: nsPer(t1 - t0, n),
        cancelNs: nsPer(t2 - t1, n - left),
        fireNs: nsPer(fireCpu, left),
      };
    },
    async node(n) {
      let fired = 0;
      const hit = () => {
        fired++;
      };
      const hs = new Array<NodeJS.Timeout>(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) hs[i] = setTimeout(hit, 1 + (i % 100));
      const t1 = performance.now();
      for (let i = 0; i < n; i++) if (i % 10 !== 0) clearTimeout(hs[i]);
      const t2 = performance.now();
      const c0 = process.cpuUsage();
      const left = Math.ceil(n / 10);
      await until(() => fired >= left, 20_000);
      const fireCpu = cpuMs(process.cpuUsage(c0));
      return {
        insertNs: nsPer(t1 - t0, n),
        cancelNs: nsPer(t2 - t1, n - left),
        fireNs: nsPer(fireCpu, left),
      };
    },
  },
  {
    name: 're-arm-heavy',
    main: 'rearmNs',
    async nbio(loop, n) {
      const conns = 10_000;
      const hs = Array.from({ length: conns }, () => loop.callLater(30_000, noop));
      const t0 = performance.now();
      for (let j = 0; j < n; j++) hs[(j * 7919) % conns]!.reschedule(30_000); // index < conns
      const t1 = performance.now();
      for (const h of hs) h.cancel();
      return { rearmNs: nsPer(t1 - t0, n) };
    },
    async node(n) {
      const conns = 10_000;
      const hs = Array.from({ length: conns }, () => setTimeout(noop, 30_000));
      const t0 = performance.now();
      for (let j = 0; j < n; j++) hs[(j * 7919) % conns]!.refresh();
      const t1 = performance.now();
      for (const h of hs) clearTimeout(h);
      return { rearmNs: nsPer(t1 - t0, n) };
    },
  },
];

interface Config {
  n: number;
  warmupN: number;
  runs: number;
}

const config = (quick: boolean): Config =>
  quick ? { n: 1_000_000, warmupN: 100_000, runs: 1 } : { n: 1_000_000, warmupN: 100_000, runs: 3 };

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  // ~1.5 s per 1M-timer run per side (cancel-heavy waits ~100 ms for its survivors), plus GC.
  return { steps: CASES.length * c.runs, seconds: CASES.length * (c.runs * 2 * 2 + 1) + 4 };
}

/** One row of timers.json: a case, one figure, both sides. */
export interface TimerRow {
  case: string;
  figure: string;
  nbioNs: number;
  nodeNs: number;
  nbioMin: number;
  nbioMax: number;
  nodeMin: number;
  nodeMax: number;
  /** Median of same-round nbio ÷ Node ratios (below 1: nbio is cheaper). */
  ratio: number;
  nbioRuns: number[];
  nodeRuns: number[];
}

/** How nbio's cancel cost grows from n/10 to n timers (O(log n): ~×1.2; O(n) would be ×10). */
export interface CancelScaling {
  smallN: number;
  smallNs: number;
  largeN: number;
  largeNs: number;
  growth: number;
}

function render(machine: MachineInfo, rows: TimerRow[], n: number, scaling: CancelScaling | null): string {
  const out = [markdownHeader('B5 — timers', machine)];
  out.push(
    `${n.toLocaleString('en')} timers per run, nbio and Node alternating in one process (GC between runs). ` +
      'ns per operation, median (min..max); ratio: median of same-round nbio ÷ Node. fireNs is CPU time ' +
      '(process.cpuUsage) per fired timer while the survivors of cancel-heavy fire.',
    '',
  );
  const insert = rows.find((r) => r.case === 'insert' && r.figure === 'insertNs');
  const cancel = rows.find((r) => r.case === 'cancel-heavy' && r.figure === 'cancelNs');
  out.push('## Targets (issue 4)', '');
  out.push(
    markdownTable(
      ['target', 'measured', ''],
      [
        [
          'insert ≤ 300 ns',
          insert ? `${insert.nbioNs.toFixed(0)} ns (Node ${insert.nodeNs.toFixed(0)} ns)` : '–',
          insert ? (insert.nbioNs <= 300 ? 'met' : '**missed**') : 'not measured',
        ],
        [
          'cancel O(log n)',
          cancel && scaling
            ? `${cancel.nbioNs.toFixed(0)} ns per cancel at ${scaling.largeN.toLocaleString('en')} (Node ` +
              `${cancel.nodeNs.toFixed(0)} ns); ${scaling.smallNs.toFixed(0)} ns at ` +
              `${scaling.smallN.toLocaleString('en')}: ×${scaling.growth.toFixed(2)} for 10× the timers`
            : '–',
          scaling ? (scaling.growth <= 2 ? 'met (sub-linear)' : '**missed**') : 'not measured',
        ],
      ],
    ),
    '',
  );
  // Issue 14's target: each figure at or below Node's, by the median of same-round ratios.
  const behind = rows.filter((x) => !(x.ratio <= 1));
  out.push(
    behind.length === 0
      ? 'Issue 14 (each figure ≤ Node, median same-round ratio): **met** for all figures.'
      : `Issue 14 (each figure ≤ Node, median same-round ratio): **missed** for ${behind
          .map((x) => `${x.case} ${x.figure} (${x.ratio.toFixed(2)})`)
          .join(', ')}.`,
    '',
  );
  const r = (v: number, lo: number, hi: number) => `${v.toFixed(0)} (${lo.toFixed(0)}..${hi.toFixed(0)})`;
  out.push(
    markdownTable(
      ['case', 'figure', 'nbio ns', 'Node ns', 'nbio ÷ Node'],
      rows.map((x) => [
        x.case,
        x.figure,
        r(x.nbioNs, x.nbioMin, x.nbioMax),
        r(x.nodeNs, x.nodeMin, x.nodeMax),
        x.ratio.toFixed(2),
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}

async function run(ctx: BenchContext): Promise<string> {
  const c = config(ctx.quick);
  const rows: TimerRow[] = [];
  let scaling: CancelScaling | null = null;
  pinSelf('0');
  const loop = new EventLoop();
  try {
    // One untimed full-size run of each side first: V8 grows the young generation during the
    // first 1M timers (~35 scavenges then, ~14 after), which would tax whichever side ran first.
    const first = CASES[0]!; // CASES is not empty
    await first.nbio(loop, c.n);
    await first.node(c.n);
    for (const tc of CASES) {
      await tc.nbio(loop, c.warmupN);
      await tc.node(c.warmupN);
      const nb: TimerFigures[] = [];
      const nd: TimerFigures[] = [];
      for (let round = 1; round <= c.runs; round++) {
        const done = ctx.progress.step(`timers ${tc.name} run ${round}/${c.runs}`);
        // Alternate which side runs first (round 1: nbio), each after the same settle.
        if (round % 2 === 1) {
          await settle();
          nb.push(await tc.nbio(loop, c.n));
        }
        await settle();
        nd.push(await tc.node(c.n));
        if (round % 2 === 0) {
          await settle();
          nb.push(await tc.nbio(loop, c.n));
        }
        const a = nb.at(-1)?.[tc.main] ?? Number.NaN;
        const b = nd.at(-1)?.[tc.main] ?? Number.NaN;
        done(`${tc.main}: nbio ${a.toFixed(0)} ns, Node ${b.toFixed(0)} ns`);
      }
      for (const figure of Object.keys(nb[0] ?? {})) {
        const a = nb.map((f) => f[figure] ?? Number.NaN);
        const b = nd.map((f) => f[figure] ?? Number.NaN);
        const sa = summarize(a);
        const sb = summarize(b);
        rows.push({
          case: tc.name,
          figure,
          nbioNs: sa.median,
          nodeNs: sb.median,
          nbioMin: sa.min,
          nbioMax: sa.max,
          nodeMin: sb.min,
          nodeMax: sb.max,
          ratio: medianRatio(a, b),
          nbioRuns: a,
          nodeRuns: b,
        });
      }
    }
    // Cancel at a tenth of the size, warm, to see how the cost grows with n.
    const small: number[] = [];
    for (let round = 1; round <= c.runs; round++) {
      await settle();
      small.push(
        (await CASES.find((k) => k.name === 'cancel-heavy')!.nbio(loop, c.n / 10)).cancelNs ?? Number.NaN,
      );
    }
    const large = rows.find((r) => r.case === 'cancel-heavy' && r.figure === 'cancelNs');
    if (large) {
      const smallNs = summarize(small).median;
      scaling = {
        smallN: c.n / 10,
        smallNs,
        largeN: c.n,
        largeNs: large.nbioNs,
        growth: large.nbioNs / smallNs,
      };
    }
  } finally {
    loop.close();
    unpinSelf();
    gc();
  }
  const md = render(ctx.machine, rows, c.n, scaling);
  writeResults('timers', { id: 'timers', machine: ctx.machine, config: c, rows, cancelScaling: scaling }, md);
  return md;
}

/** B5: timer insert, cancel and re-arm costs, nbio vs Node. */
export const timersBenchmark: Benchmark = {
  id: 'timers',
  title: 'B5 timers: callLater / cancel / reschedule vs setTimeout / clearTimeout / refresh (1M)',
  plan,
  run,
};
