/**
 * B7, loop overhead: how many iterations an empty loop makes per second, and how many
 * `callSoon` callbacks it runs per second, in owner and guest mode, beside Node's own
 * `setImmediate` in the same run (alternating, same process).
 *
 * - empty: owner `loop.runOnce(0)` in a tight loop (one zero-timeout selector wait each), per
 *   backend; guest (epoll) `runOnce(0)` the same way; Node: a `setImmediate` chain (one libuv
 *   iteration per callback).
 * - chain (1 callback per iteration): owner `run()` (its setImmediate yield per iteration) and
 *   guest mode kept busy by a `callSoon` chain; Node: a `setImmediate` chain.
 * - fan (1,000 chains at once: callbacks per second): owner `run()`, owner `runOnce(0)` loop,
 *   guest; Node: 1,000 `setImmediate` chains.
 *
 * Every measurement runs for a fixed time (bounded in count too).
 *
 * @module
 */
import { EventLoop } from '../src/loop/event-loop.ts';
import { availableBackends } from '../src/selector/default-selector.ts';
import type { SelectorName } from '../src/selector/selector.ts';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { pinSelf, unpinSelf } from './lib/proc.ts';
import { type MachineInfo, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { fmt, summarize } from './lib/stats.ts';

/** Upper bound of iterations or callbacks in one measurement, whatever the time. */
const MAX_COUNT = 50_000_000;
/** Chains running at once in the fan cases. */
const FAN = 1000;

type Measure = (ms: number) => Promise<number>;

/** `runOnce(0)` as fast as it goes: iterations per second. */
function tightRunOnce(backend: SelectorName, mode: 'owner' | 'guest'): Measure {
  return async (ms) => {
    const loop = new EventLoop({ selector: backend, mode });
    try {
      let n = 0;
      const t0 = performance.now();
      const end = t0 + ms;
      while (n < MAX_COUNT) {
        loop.runOnce(0);
        if ((++n & 255) === 0 && performance.now() >= end) break;
      }
      return (n / (performance.now() - t0)) * 1000;
    } finally {
      loop.close();
    }
  };
}

/**
 * `chains` callSoon chains (each callback schedules its successor) for `ms`; resolves with
 * callbacks per second. Driven by `run()` (owner), by Node (guest), or by a `runOnce(0)` loop.
 */
function callSoonChains(mode: 'owner-run' | 'owner-runonce' | 'guest', chains: number): Measure {
  return async (ms) => {
    const loop = new EventLoop({ selector: 'epoll', mode: mode === 'guest' ? 'guest' : 'owner' });
    let count = 0;
    let stopAt = Number.POSITIVE_INFINITY;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    let live = chains;
    const step = () => {
      count++;
      if ((count & 1023) === 0 && (performance.now() >= stopAt || count >= MAX_COUNT)) stopAt = 0;
      if (stopAt === 0) {
        if (--live === 0) finish();
        return;
      }
      loop.callSoon(step);
    };
    try {
      const t0 = performance.now();
      stopAt = t0 + ms;
      for (let i = 0; i < chains; i++) loop.callSoon(step);
      if (mode === 'owner-run') await loop.runUntilComplete(finished);
      else if (mode === 'guest') await finished;
      else while (live > 0) loop.runOnce(0);
      return (count / (performance.now() - t0)) * 1000;
    } finally {
      loop.close();
    }
  };
}

/** Node's peer: `chains` setImmediate chains; callbacks (= libuv iterations × chains) per second. */
function setImmediateChains(chains: number): Measure {
  return (ms) =>
    new Promise((resolve) => {
      let count = 0;
      let live = chains;
      const t0 = performance.now();
      const end = t0 + ms;
      let stopping = false;
      const step = () => {
        count++;
        if ((count & 1023) === 0 && (performance.now() >= end || count >= MAX_COUNT)) stopping = true;
        if (stopping) {
          if (--live === 0) resolve((count / (performance.now() - t0)) * 1000);
          return;
        }
        setImmediate(step);
      };
      for (let i = 0; i < chains; i++) setImmediate(step);
    });
}

interface Group {
  name: string;
  unit: string;
  impls: [string, Measure][];
}

function groups(): Group[] {
  const owners = (['epoll', 'poll', 'select'] as SelectorName[]).filter((b) =>
    availableBackends().includes(b),
  );
  return [
    {
      name: 'empty iteration',
      unit: 'iterations/s',
      impls: [
        ...owners.map((b): [string, Measure] => [`nbio owner ${b} runOnce(0)`, tightRunOnce(b, 'owner')]),
        ['nbio guest epoll runOnce(0)', tightRunOnce('epoll', 'guest')],
        ['node setImmediate chain', setImmediateChains(1)],
      ],
    },
    {
      name: 'chain (1 callback per iteration)',
      unit: 'iterations/s',
      impls: [
        ['nbio owner run() + callSoon chain', callSoonChains('owner-run', 1)],
        ['nbio guest callSoon chain', callSoonChains('guest', 1)],
        ['node setImmediate chain', setImmediateChains(1)],
      ],
    },
    {
      name: `callSoon throughput (${FAN} chains)`,
      unit: 'callbacks/s',
      impls: [
        ['nbio owner run()', callSoonChains('owner-run', FAN)],
        ['nbio owner runOnce(0) loop', callSoonChains('owner-runonce', FAN)],
        ['nbio guest', callSoonChains('guest', FAN)],
        [`node setImmediate ×${FAN}`, setImmediateChains(FAN)],
      ],
    },
  ];
}

interface Config {
  ms: number;
  runs: number;
}

const config = (quick: boolean): Config => (quick ? { ms: 300, runs: 1 } : { ms: 1000, runs: 3 });

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  const impls = groups().reduce((a, g) => a + g.impls.length, 0);
  return { steps: groups().length * c.runs, seconds: impls * (c.runs + 0.3) * (c.ms / 1000) * 1.1 };
}

/** One row of loop.json. */
export interface LoopRow {
  group: string;
  impl: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  /** Per operation: 1e9 / median (ns). */
  nsPerOp: number;
  runs: number[];
}

function render(machine: MachineInfo, rows: LoopRow[], c: Config): string {
  const out = [markdownHeader('B7 — loop overhead', machine)];
  out.push(
    `Each figure: operations per second over ${c.ms} ms, median (min..max) of ${c.runs} run(s), implementations ` +
      'alternating within each round, one process. Empty iteration: one zero-timeout selector wait and nothing ' +
      "to run. Chain: one callback per iteration (owner run() yields to Node's loop through setImmediate each " +
      'iteration; guest mode returns to libuv). Fan: many callbacks per iteration.',
    '',
  );
  for (const g of [...new Set(rows.map((r) => r.group))]) {
    out.push(`## ${g}`, '');
    const body = rows
      .filter((r) => r.group === g)
      .map((r) => [r.impl, `${fmt(r.median)} (${fmt(r.min)}..${fmt(r.max)})`, r.nsPerOp.toFixed(0)]);
    out.push(markdownTable(['impl', rows.find((r) => r.group === g)!.unit, 'ns per op'], body), '');
  }
  return `${out.join('\n')}\n`;
}

async function run(ctx: BenchContext): Promise<string> {
  const c = config(ctx.quick);
  const rows: LoopRow[] = [];
  pinSelf('0');
  try {
    for (const g of groups()) {
      for (const [, m] of g.impls) await m(c.ms / 4); // warm-up, discarded
      const results = g.impls.map(([impl, measure]) => ({ impl, measure, runs: [] as number[] }));
      for (let round = 1; round <= c.runs; round++) {
        const done = ctx.progress.step(`loop ${g.name} run ${round}/${c.runs}`);
        for (const r of results) r.runs.push(await r.measure(c.ms));
        done(results.map((r) => `${r.impl} ${fmt(r.runs.at(-1) ?? Number.NaN)}`).join(', '));
      }
      for (const { impl, runs } of results) {
        const s = summarize(runs);
        rows.push({ group: g.name, impl, unit: g.unit, ...s, nsPerOp: 1e9 / s.median, runs });
      }
    }
  } finally {
    unpinSelf();
  }
  const md = render(ctx.machine, rows, c);
  writeResults('loop', { id: 'loop', machine: ctx.machine, config: c, rows }, md);
  return md;
}

/** B7: empty-loop iterations and callSoon throughput, owner and guest, vs setImmediate. */
export const loopBenchmark: Benchmark = {
  id: 'loop',
  title:
    "B7 loop overhead: empty iterations/s and callSoon throughput, owner and guest, vs Node's setImmediate",
  plan,
  run,
};
