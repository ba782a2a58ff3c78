/**
 * write-copies: peak RSS of a process that writes 10,000 buffers of 64 KiB (625 MiB) without
 * waiting for drain, to a reader that stalls before reading (so everything unsent is queued in
 * the writer), then reads all of it. Two kinds: the **same** buffer 10,000 times, and a
 * **fresh** buffer each time. Three writers, measured in the same run, alternating: nbio's
 * Transport, nbio's compat `Socket` (a `net`-shaped Duplex over a Transport), and Node's `net`.
 * Issue 9, defect 8: before the fix the transport copied every unsent write (same buffer: 722 MB
 * peak vs Node's 91 MB) and compat held the Duplex's queue and the transport's copy (fresh:
 * 1,338 MB vs Node's 711 MB).
 *
 * Each writer is its own process (`bench/servers/write-burst.ts`), so VmHWM is its peak alone.
 * The reader is a Node `net` server in this process; it checks every byte arrived.
 *
 * @module
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { BenchContext, Benchmark, BenchPlan } from './lib/benchmark.ts';
import { type MachineInfo, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { summarize } from './lib/stats.ts';

const CHUNK_BYTES = 64 * 1024;
const IMPLS = ['nbio', 'compat', 'node'] as const;
const KINDS = ['same', 'fresh'] as const;
/** How long the reader waits before its first read. */
const STALL_MS = 300;
const RUN_LIMIT_MS = 120_000;

type Impl = (typeof IMPLS)[number];
type Kind = (typeof KINDS)[number];

interface Burst {
  peakRssKb: number;
  ms: number;
}

/** A reader that stalls, then reads everything, and resolves with the byte count per connection. */
class SlowReader {
  readonly server: Server;
  #next: ((n: number) => void) | null = null;

  constructor() {
    this.server = createServer((s: Socket) => {
      let n = 0;
      s.pause();
      setTimeout(() => s.resume(), STALL_MS);
      s.on('data', (d: Buffer) => {
        n += d.length;
      });
      s.on('error', () => {});
      s.on('end', () => {
        s.end();
        this.#next?.(n);
      });
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as { port: number }).port;
  }

  received(): Promise<number> {
    return new Promise((r) => {
      this.#next = r;
    });
  }
}

async function burst(
  reader: SlowReader,
  port: number,
  impl: Impl,
  kind: Kind,
  count: number,
): Promise<Burst> {
  const got = reader.received();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/servers/write-burst.ts',
      '--impl',
      impl,
      '--kind',
      kind,
      '--count',
      String(count),
      '--port',
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);
  if (code !== 0) throw new Error(`write-burst ${impl} ${kind} exited with ${code}`);
  const bytes = await got;
  if (bytes !== count * CHUNK_BYTES)
    throw new Error(`${impl} ${kind}: reader got ${bytes} of ${count * CHUNK_BYTES} bytes`);
  const r = JSON.parse(out.trim()) as Burst;
  return { peakRssKb: r.peakRssKb, ms: r.ms };
}

interface Config {
  count: number;
  runs: number;
}

const config = (quick: boolean): Config => (quick ? { count: 10_000, runs: 1 } : { count: 10_000, runs: 3 });

function plan(quick: boolean): BenchPlan {
  const c = config(quick);
  return { steps: KINDS.length * c.runs, seconds: KINDS.length * c.runs * IMPLS.length * 3 };
}

/** One row of write-copies.json: a kind of buffer, every writer. */
export interface WriteCopiesRow {
  kind: Kind;
  count: number;
  /** Median peak RSS in MB (10^6 bytes) per writer. */
  peakMb: Record<Impl, number>;
  runs: Record<Impl, Burst[]>;
}

function render(machine: MachineInfo, rows: readonly WriteCopiesRow[], c: Config): string {
  const out = [markdownHeader('write-copies — peak RSS writing without drain', machine)];
  out.push(
    `${c.count.toLocaleString('en')} writes of 64 KiB without waiting for drain, to a Node \`net\` reader that ` +
      `stalls ${STALL_MS} ms and then reads everything (every byte checked). Peak RSS (VmHWM) of the writer ` +
      `process in MB, median (min..max) of ${c.runs} run(s); nbio, compat and Node alternating.`,
    '',
  );
  const mb = (runs: Burst[]) => {
    const s = summarize(runs.map((b) => (b.peakRssKb * 1024) / 1e6));
    return `${s.median.toFixed(0)} (${s.min.toFixed(0)}..${s.max.toFixed(0)})`;
  };
  out.push(
    markdownTable(
      ['buffers', 'nbio Transport MB', 'compat Socket MB', 'Node net MB', 'nbio ÷ Node', 'compat ÷ Node'],
      rows.map((r) => [
        r.kind === 'same' ? 'the same buffer each time' : 'a fresh buffer each time',
        mb(r.runs.nbio),
        mb(r.runs.compat),
        mb(r.runs.node),
        (r.peakMb.nbio / r.peakMb.node).toFixed(2),
        (r.peakMb.compat / r.peakMb.node).toFixed(2),
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}

async function run(ctx: BenchContext): Promise<string> {
  const c = config(ctx.quick);
  const reader = new SlowReader();
  const port = await reader.listen();
  const rows: WriteCopiesRow[] = [];
  try {
    for (const kind of KINDS) {
      const runs: Record<Impl, Burst[]> = { nbio: [], compat: [], node: [] };
      for (let round = 1; round <= c.runs; round++) {
        const end = ctx.progress.step(`write-copies ${kind} run ${round}/${c.runs}`);
        const line: string[] = [];
        for (const impl of IMPLS) {
          const b = await burst(reader, port, impl, kind, c.count);
          runs[impl].push(b);
          line.push(`${impl} ${((b.peakRssKb * 1024) / 1e6).toFixed(0)} MB`);
        }
        end(line.join(', '));
      }
      const med = (impl: Impl) => summarize(runs[impl].map((b) => (b.peakRssKb * 1024) / 1e6)).median;
      rows.push({
        kind,
        count: c.count,
        peakMb: { nbio: med('nbio'), compat: med('compat'), node: med('node') },
        runs,
      });
    }
  } finally {
    reader.server.close();
  }
  const md = render(ctx.machine, rows, c);
  writeResults('write-copies', { machine: ctx.machine, rows }, md);
  return md;
}

/** The benchmark, as `bench/run.ts` loads it. */
export const writeCopiesBenchmark: Benchmark = {
  id: 'write-copies',
  title: 'peak RSS writing 10,000 × 64 KiB without drain: nbio, compat, Node net, same run',
  plan,
  run,
};
