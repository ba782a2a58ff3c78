/**
 * `npm run bench` — the benchmark suite of issue 4 (see bench/README.md and
 * docs/benchmarks.md for the protocol).
 *
 *   npm run bench                       every benchmark, full runs (~30 min on 2 cores)
 *   npm run bench -- <id> [--quick]     one benchmark; --quick: one short run of its main shape
 *   npm run bench -- --list             the ids and the estimated time of each
 *   npm run bench -- … --save           write into bench/results/ (the committed results)
 *
 * Without --save a run writes into scratch/bench/ (gitignored): trying a benchmark never
 * overwrites the committed results.
 * Ids: echo, selectors, idle, timers, loop, readuntil, write-copies, http-client, http, seeing. Each writes <id>.json and <id>.md
 * (selectors also an SVG plot). Peers are built or installed here when missing, never by npm ci.
 *
 * @module
 */
import { relative } from 'node:path';
import { BENCH_IDS, type BenchId, type Benchmark } from './lib/benchmark.ts';
import { Progress } from './lib/progress.ts';
import { machineInfo, resultsDir, saveToCommittedResults } from './lib/results.ts';
import { killAllChildren } from './lib/server-process.ts';

const USAGE = `usage: npm run bench [-- <id> [--quick]]
ids: ${BENCH_IDS.join(', ')} (none: all of them, full runs)
  --quick   one short run of the main configuration (under a minute each)
  --list    print the ids and the estimated time, run nothing
  --save    write the results into bench/results/ (committed); default: scratch/bench/ (gitignored)`;

const FLAGS = new Set(['--quick', '--list', '--save', '--update', '--help', '-h']);

async function load(id: BenchId): Promise<Benchmark> {
  switch (id) {
    case 'echo':
      return (await import('./echo.ts')).echoBenchmark;
    case 'selectors':
      return (await import('./selectors.ts')).selectorsBenchmark;
    case 'idle':
      return (await import('./idle.ts')).idleBenchmark;
    case 'timers':
      return (await import('./timers.ts')).timersBenchmark;
    case 'loop':
      return (await import('./loop.ts')).loopBenchmark;
    case 'readuntil':
      return (await import('./readuntil.ts')).readUntilBenchmark;
    case 'write-copies':
      return (await import('./write-copies.ts')).writeCopiesBenchmark;
    case 'http-client':
      return (await import('./http-client.ts')).httpClientBenchmark;
    case 'http':
      return (await import('./http.ts')).httpBenchmark;
    case 'seeing':
      return (await import('./seeing.ts')).seeingBenchmark;
  }
}

const minutes = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const list = argv.includes('--list');
  const ids = argv.filter((a) => !a.startsWith('-'));
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const badFlag = argv.find((a) => a.startsWith('-') && !FLAGS.has(a));
  if (badFlag !== undefined) {
    console.error(`bench: unknown option '${badFlag}'.\n\n${USAGE}`);
    return 2;
  }
  if (argv.includes('--save') || argv.includes('--update')) saveToCommittedResults();
  const unknown = ids.filter((id) => !(BENCH_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    console.error(`bench: unknown id '${unknown[0]}'.\n\n${USAGE}`);
    return 2;
  }
  if (process.platform !== 'linux') {
    console.error('bench: the suite reads /proc and uses epoll; run it on Linux.');
    return 2;
  }
  const chosen = (ids.length > 0 ? ids : [...BENCH_IDS]) as BenchId[];
  const benches = await Promise.all(chosen.map(load));
  const plans = benches.map((b) => b.plan(quick));
  const total = plans.reduce((a, p) => a + p.seconds, 0);
  console.log(`nbio bench${quick ? ' (quick)' : ''}: ${chosen.join(', ')}`);
  for (const [i, b] of benches.entries()) {
    const plan = plans[i]!; // one plan per bench
    console.log(`  ${b.id.padEnd(10)} ${plan.steps} steps, ~${minutes(plan.seconds)}  ${b.title}`);
  }
  console.log(`  estimated total: ~${minutes(total)} (plus one-time builds and installs)`);
  console.log(`  results into ${relative(process.cwd(), resultsDir())}/`);
  if (list) return 0;

  const progress = new Progress(plans.reduce((a, p) => a + p.steps, 0));
  const machine = machineInfo(quick);
  let failed = 0;
  for (const b of benches) {
    console.log(`\n== ${b.id}: ${b.title}`);
    try {
      const md = await b.run({ quick, progress, machine });
      console.log(`\n${md}`);
      const dir = relative(process.cwd(), resultsDir()) || '.';
      console.log(`wrote ${dir}/${b.id}.json and ${dir}/${b.id}.md`);
    } catch (err) {
      failed++;
      console.error(`bench ${b.id} failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      killAllChildren();
    }
  }
  console.log(
    `\ndone in ${minutes(progress.elapsedSeconds())}${failed ? `, ${failed} benchmark(s) failed` : ''}`,
  );
  return failed > 0 ? 1 : 0;
}

process.on('exit', killAllChildren);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.exitCode = await main(process.argv.slice(2));
