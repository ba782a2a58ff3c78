/**
 * `npm run bench -- http-client` — the client side of B3: nbio's HTTP client against undici
 * (the client inside Node's own fetch), both asking the same Node `http` server (pinned to core
 * 0) for `GET /hello` (11 bytes, keep-alive) with 50 requests in flight, in the same run.
 *
 * Each client runs in a child process of its own pinned to core 1 — a warm-up second, then a
 * fixed measured time (and a bounded count) — one after the other, alternating (A B C D A B C D …).
 * Rows: nbio's lower-level `HttpClient.request()` vs undici's `request()`, and nbio's
 * `fetch()` vs undici's `fetch()`; both pools allow 50 connections to the origin. Figures:
 * requests per second, client CPU per request (utime+stime of the client process, measured
 * by itself), server CPU per request (from /proc/<pid>/stat around each run), and the median of
 * the same-round ratios nbio ÷ undici.
 *
 * Run as `node --import tsx bench/http-client.ts --client <kind> --port <p> --seconds <s>`
 * it is one client run, printing one JSON line.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type { BenchContext, Benchmark } from './lib/benchmark.ts';
import { cpuSeconds, pinned } from './lib/proc.ts';
import { markdownHeader, markdownTable, ROOT, writeResults } from './lib/results.ts';
import { freePort, startServer } from './lib/server-process.ts';
import { fmt, fmtRange, medianRatio, summarize } from './lib/stats.ts';

/** Requests in flight at once (issue 10: "50 concurrent requests"). */
const CONCURRENCY = 50;
/** No client run sends more than this, whatever its speed (every loop bounded in count too). */
const MAX_REQUESTS = 2_000_000;
const KINDS = ['nbio request', 'undici request', 'nbio fetch', 'undici fetch'] as const;
type Kind = (typeof KINDS)[number];

/** What one client run reports. */
interface ClientRun {
  kind: Kind;
  requests: number;
  seconds: number;
  reqPerSec: number;
  clientCpuUsPerReq: number;
  serverCpuUsPerReq: number;
  errors: number;
}

// ── one client run (child process) ───────────────────────────────────────────────────────

/** Each client process first runs this long unmeasured (JIT tiers, undici's WASM parser, pools filled). */
const WARMUP_SECONDS = 1;

async function clientRun(kind: Kind, port: number, seconds: number): Promise<void> {
  const url = `http://127.0.0.1:${port}/hello`;
  let requests = 0;
  let errors = 0;
  let measuring = false;
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const warmEnd = t0 + WARMUP_SECONDS * 1000;
  const end = warmEnd + seconds * 1000;
  const worker = async (one: () => Promise<void>) => {
    for (let now = performance.now(); now < end && requests < MAX_REQUESTS; now = performance.now()) {
      if (!measuring && now >= warmEnd) {
        // The first worker past the warm-up starts the measured window for all of them.
        measuring = true;
        requests = 0;
        cpu0 = process.cpuUsage();
        t0 = now;
      }
      try {
        await one();
        requests++;
      } catch {
        errors++;
        if (errors > 100) throw new Error(`too many errors (${kind})`);
      }
    }
  };
  if (kind.startsWith('nbio')) {
    const { EventLoop } = await import('../src/loop/event-loop.ts');
    const { HttpClient, fetch } = await import('../src/http/client/index.ts');
    const loop = new EventLoop();
    const client = new HttpClient(loop, { maxSocketsPerOrigin: CONCURRENCY });
    const one =
      kind === 'nbio fetch'
        ? async () => {
            await (await fetch(loop, url, { client })).text();
          }
        : async () => {
            await (await client.request(url)).text();
          };
    await loop.runUntilComplete(() => Promise.all(Array.from({ length: CONCURRENCY }, () => worker(one))));
    client.close();
    loop.close();
  } else {
    const undici = await import('undici');
    const agent = new undici.Agent({ connections: CONCURRENCY });
    const one =
      kind === 'undici fetch'
        ? async () => {
            await (await undici.fetch(url, { dispatcher: agent })).text();
          }
        : async () => {
            await (await undici.request(url, { dispatcher: agent })).body.text();
          };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(one)));
    await agent.close();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ kind, requests, seconds: elapsed, cpuUs: cpu.user + cpu.system, errors }));
}

// ── the benchmark (parent) ───────────────────────────────────────────────────────────────

function runClient(
  kind: Kind,
  port: number,
  seconds: number,
): Promise<{ requests: number; seconds: number; cpuUs: number; errors: number }> {
  const [cmd, args] = pinned(1, process.execPath, [
    '--import',
    'tsx',
    'bench/http-client.ts',
    '--client',
    kind,
    '--port',
    String(port),
    '--seconds',
    String(seconds),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let result: { requests: number; seconds: number; cpuUs: number; errors: number } | null = null;
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) result = JSON.parse(line);
    });
    child.once('exit', (code) => {
      clearTimeout(killer);
      if (result !== null) resolve(result);
      else
        reject(
          new Error(`${kind} client exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`),
        );
    });
  });
}

async function run(ctx: BenchContext): Promise<string> {
  const seconds = ctx.quick ? 2 : 4;
  const load = loadavg().map((l) => l.toFixed(1));
  const rounds = ctx.quick ? 1 : 3;
  const port = await freePort();
  const started = await startServer(
    {
      cmd: process.execPath,
      args: ['test/integration/fixtures/http-client-peer.mjs', '--serve', '--port', String(port)],
    },
    port,
    0,
  );
  if (!started.ok) throw new Error(`the Node http server did not start: ${started.reason}`);
  const server = started.server;
  const runs: ClientRun[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of KINDS) {
        const done = ctx.progress.step(`http-client ${kind} run ${round}/${rounds}`);
        const s0 = cpuSeconds(server.pid) ?? 0;
        const r = await runClient(kind, port, seconds);
        const s1 = cpuSeconds(server.pid) ?? 0;
        const row: ClientRun = {
          kind,
          requests: r.requests,
          seconds: r.seconds,
          reqPerSec: r.requests / r.seconds,
          clientCpuUsPerReq: r.cpuUs / Math.max(1, r.requests),
          serverCpuUsPerReq: ((s1 - s0) * 1e6) / Math.max(1, r.requests),
          errors: r.errors,
        };
        done(
          `${fmt(row.reqPerSec)} req/s, client ${row.clientCpuUsPerReq.toFixed(1)} µs/req${r.errors ? `, ${r.errors} errors` : ''}`,
        );
        runs.push(row);
      }
    }
  } finally {
    await server.stop();
  }
  const of = (k: Kind) => runs.filter((r) => r.kind === k);
  const rows = KINDS.map((k) => {
    const rs = of(k);
    return [
      k,
      fmtRange(summarize(rs.map((r) => r.reqPerSec))),
      fmtRange(summarize(rs.map((r) => r.clientCpuUsPerReq))),
      fmtRange(summarize(rs.map((r) => r.serverCpuUsPerReq))),
    ];
  });
  const ratio = (a: Kind, b: Kind) =>
    medianRatio(
      of(a).map((r) => r.reqPerSec),
      of(b).map((r) => r.reqPerSec),
    );
  const cpuRatio = (a: Kind, b: Kind) =>
    medianRatio(
      of(a).map((r) => r.clientCpuUsPerReq),
      of(b).map((r) => r.clientCpuUsPerReq),
    );
  const ratios = {
    requestReqPerSec: ratio('nbio request', 'undici request'),
    fetchReqPerSec: ratio('nbio fetch', 'undici fetch'),
    requestClientCpu: cpuRatio('nbio request', 'undici request'),
    fetchClientCpu: cpuRatio('nbio fetch', 'undici fetch'),
  };
  const md = [
    markdownHeader('B3 client — nbio HTTP client vs undici', ctx.machine),
    `GET /hello (11 B body, keep-alive) from Node's \`http\` server pinned to core 0; each client in its own process pinned to core 1, ${CONCURRENCY} requests in flight, ${seconds} s per run after ${WARMUP_SECONDS} s of warm-up in the same process, ${rounds} run(s) each, alternating. Median (min..max). The machine is shared (load average ${load.join(' / ')} at the start, 2 cores): read the same-run ratios.`,
    '',
    markdownTable(['client', 'req/s', 'client CPU µs/req', 'server CPU µs/req'], rows),
    '',
    `nbio ÷ undici, median of same-round ratios: request() ${ratios.requestReqPerSec.toFixed(2)}× req/s (client CPU per request ${ratios.requestClientCpu.toFixed(2)}×); fetch() ${ratios.fetchReqPerSec.toFixed(2)}× req/s (client CPU per request ${ratios.fetchClientCpu.toFixed(2)}×).`,
    '',
  ].join('\n');
  writeResults(
    'http-client',
    { machine: ctx.machine, concurrency: CONCURRENCY, seconds, rounds, runs, ratios },
    md,
  );
  return md;
}

/** B3's client half, for bench/run.ts. */
export const httpClientBenchmark: Benchmark = {
  id: 'http-client',
  title: 'B3 client: nbio HTTP client vs undici, GET keep-alive, 50 in flight',
  plan: (quick) => ({
    steps: KINDS.length * (quick ? 1 : 3),
    seconds: KINDS.length * (quick ? 1 : 3) * (WARMUP_SECONDS + (quick ? 2 : 4) + 1),
  }),
  run,
};

const argv = process.argv;
const k = argv.indexOf('--client');
if (k > 0) {
  const kind = argv[k + 1] as Kind;
  const port = Number(argv[argv.indexOf('--port') + 1]);
  const secs = Number(argv[argv.indexOf('--seconds') + 1]);
  if (!KINDS.includes(kind) || !(port > 0) || !(secs > 0)) {
    console.error(`usage: bench/http-client.ts --client <${KINDS.join('|')}> --port <p> --seconds <s>`);
    process.exit(2);
  }
  clientRun(kind, port, secs).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
