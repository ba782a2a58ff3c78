/**
 * The control channel of the servers the idle benchmark (B4) measures: one command per line on
 * stdin, one JSON reply per line on stdout.
 *
 * - `mem` → `{"reply":"mem","rss":…,"heapUsed":…,…}`: `process.memoryUsage()` after a full GC
 *   (when the server runs with `--expose-gc`), plus `connections` from the server's counter.
 * - `lag-start` / `lag-stop` → event-loop lag (Node's `monitorEventLoopDelay`, the same
 *   instrument for every server: nbio's guest loop runs inside libuv's callbacks, so its work
 *   shows up as lag exactly like Node's own): `{"reply":"lag","p50Ms":…,"p99Ms":…,"maxMs":…}`.
 *
 * @module
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

/** Sampling interval of the lag monitor (ms). */
const LAG_RESOLUTION_MS = 5;

/** Answers control commands on stdin; `connections()` reports the server's open connections. */
export function attachControl(connections: () => number): void {
  let lag: IntervalHistogram | null = null;
  const reply = (v: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(v)}\n`);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'mem') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        gc();
      }
      reply({ reply: 'mem', ...process.memoryUsage(), connections: connections(), gc: gc !== undefined });
    } else if (cmd === 'lag-start') {
      lag?.disable();
      lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
      lag.enable();
      reply({ reply: 'lag-start' });
    } else if (cmd === 'lag-stop') {
      if (lag === null) return reply({ reply: 'error', message: 'lag-stop without lag-start' });
      lag.disable();
      const ms = (ns: number) => ns / 1e6;
      reply({
        reply: 'lag',
        p50Ms: ms(lag.percentile(50)),
        p99Ms: ms(lag.percentile(99)),
        maxMs: ms(lag.max),
        meanMs: ms(lag.mean),
        samples: lag.count,
        resolutionMs: LAG_RESOLUTION_MS,
      });
      lag = null;
    } else if (cmd !== '') {
      reply({ reply: 'error', message: `unknown command '${cmd}': use mem, lag-start or lag-stop` });
    }
  });
  // The harness closing our stdin means it is gone: so are we.
  rl.on('close', () => process.exit(0));
}

/** The value after `--name` in `argv`, or `fallback`. */
export function argValue(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return (i >= 0 ? argv[i + 1] : undefined) ?? fallback;
}
