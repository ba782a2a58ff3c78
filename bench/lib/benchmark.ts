/**
 * The shape every benchmark of the suite has, so `bench/run.ts` can plan (steps, estimated
 * time), run and report them the same way.
 *
 * @module
 */
import type { Progress } from './progress.ts';
import type { MachineInfo } from './results.ts';

/** The ids `npm run bench -- <id>` accepts, in the order `npm run bench` runs them. */
export const BENCH_IDS = [
  'echo',
  'selectors',
  'idle',
  'timers',
  'loop',
  'readuntil',
  'write-copies',
  'http-client',
  'http',
  'seeing',
] as const;
/** One benchmark's id. */
export type BenchId = (typeof BENCH_IDS)[number];

/** What a benchmark gets when it runs. */
export interface BenchContext {
  /** One short run of the main configuration only. */
  quick: boolean;
  /** Prints the numbered progress lines. */
  progress: Progress;
  /** The machine, written into every result. */
  machine: MachineInfo;
}

/** The plan of a run: how many progress steps, and roughly how long. */
export interface BenchPlan {
  steps: number;
  seconds: number;
}

/** One benchmark of the suite. */
export interface Benchmark {
  readonly id: BenchId;
  /** A one-line description. */
  readonly title: string;
  /** Steps and estimated seconds for a full or quick run. */
  plan(quick: boolean): BenchPlan;
  /** Runs it, writes bench/results/<id>.json and .md, returns the markdown. */
  run(ctx: BenchContext): Promise<string>;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
