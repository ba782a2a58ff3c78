/**
 * B1 against servers whose flight recorder is turned on and off every `toggleMs` (for
 * bench/seeing.ts): the recorder's cost without the differences between server processes. Each
 * server (`bench/servers/nbio-echo-seeing.ts --toggle-ms`) keeps every phase's CPU time and bytes
 * received; each "on" phase is compared with the mean of the two "off" phases around it (so a
 * steady drift of the machine cancels), server CPU per round trip. Several servers are measured
 * one after the other (`servers`), each a fresh process: the interval (a two-level bootstrap, see
 * seeing-stats.ts) then includes how much the cost moves from one process to the next.
 *
 * @module
 */
import { runLoadgen } from './lib/loadgen.ts';
import { ensureCProgram } from './lib/peers.ts';
import type { Progress } from './lib/progress.ts';
import { markdownTable } from './lib/results.ts';
import { freePort, type RunningServer, startServer } from './lib/server-process.ts';
import { median, percentile } from './lib/stats.ts';
import { bootstrapMedian, formatCI, type MedianCI } from './seeing-stats.ts';

/** Starts bench/servers/nbio-echo-seeing.ts with `tools` on a free port, pinned to core 0. */
export async function startSeeingServer(tools: string, extraArgs: string[]): Promise<RunningServer> {
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

/** One phase as the toggled server reports it. */
export interface Phase {
  on: boolean;
  cpuUs: number;
  bytes: number;
}

/** What the toggled measure gives. */
/**
 * What a toggled server turns on and off: the whole recorder, or one part of its cost alone
 * (bench/servers/nbio-echo-seeing.ts `--toggle-part`).
 */
export type ToggledPart = 'recorder' | 'syscalls' | 'probe' | 'probe-clock';

/** What each part is, for the tables. */
export const PART_TITLES: Record<ToggledPart, string> = {
  recorder: 'the whole recorder',
  syscalls: 'the system-call counter alone (two counts per round trip: recv, send)',
  probe: "an empty callback probe (the loop's calls around each callback)",
  'probe-clock': "a probe reading the recorder's clock once per callback",
};

export interface ToggledResult {
  /** What was turned on and off. */
  part: ToggledPart;
  phaseMs: number;
  /** Servers (fresh processes) measured, one after the other. */
  servers: number;
  /** Seconds of load per server. */
  secondsPerServer: number;
  /** "On" phases compared (each with the mean of its two neighbouring "off" phases). */
  pairs: number;
  offCpuUsPerRt: number;
  /** (on − off) server CPU per round trip, ns: median and 95% interval. */
  addedNsPerRt: MedianCI;
  /** on / off: median and 95% interval. */
  ratio: MedianCI;
  /** on / off, first and third quartile (the spread of single phases). */
  q1: number;
  q3: number;
  /** The median ratio of each server. */
  perServer: number[];
}

/**
 * Each "on" phase against the mean of the "off" phases before and after it, server CPU per
 * round trip (64-byte messages), among the phases `from` to `to − 1` (those that ran entirely
 * under load: chosen by when the load started and ended, never by what a phase measured).
 */
export function comparePhases(
  phases: readonly Phase[],
  from: number,
  to: number,
): { ratios: number[]; addedUs: number[]; offs: number[] } {
  const perRt = (p: Phase) => p.cpuUs / (p.bytes / 64);
  const ratios: number[] = [];
  const addedUs: number[] = [];
  const offs: number[] = [];
  for (let i = Math.max(1, from + 1); i + 1 < Math.min(to, phases.length); i++) {
    const before = phases[i - 1]!; // from ≤ i − 1, i + 1 < length
    const at = phases[i]!;
    const after = phases[i + 1]!;
    if (!at.on || before.on || after.on || Math.min(before.bytes, at.bytes, after.bytes) <= 0) continue;
    const off = (perRt(before) + perRt(after)) / 2;
    ratios.push(perRt(at) / off);
    addedUs.push(perRt(at) - off);
    offs.push(off);
  }
  return { ratios, addedUs, offs };
}

/** The load generator's warm-up before its measured window, ms. */
const WARMUP_MS = 300;

/**
 * Phases left out after the one running when the load started (which began before it): those
 * that may begin before the load generator's warm-up ended (2 at 250 ms phases, 3 at 100 ms),
 * chosen by time, before anything is measured.
 */
export function warmupPhases(toggleMs: number): number {
  return Math.ceil(WARMUP_MS / toggleMs);
}

/** Runs the toggled measure: `servers` fresh servers, `seconds` of B1 load each. */
export async function measureToggled(
  toggleMs: number,
  servers: number,
  seconds: number,
  progress: Progress,
  part: ToggledPart = 'recorder',
): Promise<ToggledResult> {
  ensureCProgram('loadgen');
  const ratios: number[][] = [];
  const added: number[][] = [];
  const offs: number[] = [];
  for (let s = 0; s < servers; s++) {
    const done = progress.step(`seeing B1, ${part} toggled every ${toggleMs} ms, server ${s + 1}/${servers}`);
    const srv = await startSeeingServer('off', ['--toggle-ms', `${toggleMs}`, '--toggle-part', part]);
    try {
      srv.send('mark');
      await runLoadgen({
        port: srv.port,
        conns: 50,
        inflight: 1,
        msgBytes: 64,
        warmupMs: WARMUP_MS,
        durationMs: seconds * 1000,
        maxMsgs: 20_000_000,
        serverPid: srv.pid,
      });
      srv.send('mark');
      srv.send('phases');
      const reply = await srv.nextJson(10_000);
      const phases = reply.phases as Phase[];
      const [started = 0, ended = 0] = reply.marks as number[];
      // the phase running when the load started, and the next ones (connecting, the load
      // generator's warm-up), are left out, as is the one running when it ended
      const c = comparePhases(phases, started + 1 + warmupPhases(toggleMs), ended);
      ratios.push(c.ratios);
      added.push(c.addedUs.map((us) => us * 1000));
      offs.push(...c.offs);
      done(`${part} ${median(c.ratios).toFixed(3)} × off over ${c.ratios.length} phases`);
    } finally {
      await srv.stop();
    }
  }
  // neighbouring comparisons share an "off" phase: drawn in runs of 4 within a server
  const ratio = bootstrapMedian(ratios, { block: 4 });
  const flat = ratios.flat();
  return {
    part,
    phaseMs: toggleMs,
    servers,
    secondsPerServer: seconds,
    pairs: flat.length,
    offCpuUsPerRt: median(offs),
    addedNsPerRt: bootstrapMedian(added, { block: 4 }),
    ratio,
    q1: percentile(flat, 0.25),
    q3: percentile(flat, 0.75),
    perServer: ratios.map((r) => median(r)),
  };
}

/**
 * The recorder's cost taken apart: each part toggled alone (measured like the headline, with
 * fewer servers), and what is left for the recorder's own bookkeeping (its logs, rows and
 * counters): the headline's added ns less the counter's and the clocked probe's (which includes
 * the empty probe), medians only.
 */
export function partsTable(whole: ToggledResult, parts: readonly ToggledResult[]): string {
  const row = (r: ToggledResult): string[] => [
    PART_TITLES[r.part],
    `${r.servers} × ${Math.round(r.pairs / Math.max(1, r.servers))}`,
    r.offCpuUsPerRt.toFixed(2),
    formatCI(r.addedNsPerRt, 0),
    formatCI(r.ratio),
  ];
  const added = (p: ToggledPart) => parts.find((r) => r.part === p)?.addedNsPerRt.median;
  const counter = added('syscalls');
  const clocked = added('probe-clock');
  const rest =
    counter === undefined || clocked === undefined
      ? []
      : [
          [
            "the rest: the recorder's own logs and rows (whole − counter − clocked probe)",
            '–',
            '–',
            (whole.addedNsPerRt.median - counter - clocked).toFixed(0),
            '–',
          ],
        ];
  return markdownTable(
    [
      'turned on and off',
      'servers × "on" phases',
      'off µs/round trip',
      'added ns/round trip (median, 95% interval)',
      '× off (median, 95% interval)',
    ],
    [row(whole), ...parts.map(row), ...rest],
  );
}
