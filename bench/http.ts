/**
 * `npm run bench -- http` — B3, the HTTP/1.1 server benchmark of issue 10: `wrk -t1 -c100`
 * pinned to core 1 against each server pinned to core 0, in the same run:
 *
 * - nbio: `serveRaw` (the low-level API), `serve()` returning WHATWG `Response`s (its default:
 *   nbio's `LightResponse` as the global `Response`, what `nbio http` runs; then Node's own,
 *   with `overrideGlobalObjects: false`), `serve()` returning `PlainResponse`s;
 * - Node `http`, and Node `http` fed by nbio's compat sockets;
 * - uvicorn (uvloop + httptools), aiohttp, Tornado's HTTPServer, Twisted web (Debian packages,
 *   run with /usr/bin/python3, installed here when missing);
 * - nginx (`nginx-light`, one process, `return 200`/a static file): the ceiling.
 *
 * For short comparisons while working: `B3_PEERS=serve,Node http,uvicorn` (substrings of the peer
 * names), `B3_WORKLOADS=hello,echo` (ids: hello, close, big, echo; and `pipelined`, 16 requests
 * per write, run only when named), `B3_ROUNDS`, `B3_SECONDS`.
 *
 * Workloads: `GET /` hello world keep-alive; the same with `Connection: close`; `GET /big`
 * (100 KiB); `POST /echo` of 16 KiB (nginx has no echo: skipped there). Per run: req/s, server
 * CPU µs per request (utime+stime of /proc/<pid>/stat around the run), p99 latency (wrk
 * --latency); per server: peak RSS (VmHWM) over the whole benchmark. Servers alternate within
 * each round (order reversed every other round); the figure is the median of the rounds, and
 * the ratio to Node `http` the median of same-round ratios.
 *
 * @module
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext, Benchmark } from './lib/benchmark.ts';
import { PYTHON } from './lib/peers.ts';
import { cpuSeconds, pinned, statusKb } from './lib/proc.ts';
import { BUILD_DIR, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { freePort, type RunningServer, type ServerCommand, startServer } from './lib/server-process.ts';
import { fmt, medianRatio, summarize } from './lib/stats.ts';

const run = promisify(execFile);

/** Seconds per measured run (short: the machine is shared), and of the one warm-up run. */
const RUN_SECONDS = 3;
const WARMUP_SECONDS = 1;
const ROUNDS = 2;
/**
 * The hello keep-alive rows: more, shorter rounds. Two rounds of 3 s spread 48–77k req/s for the
 * same server (19:25 run); eight of 1 s (wrk takes whole seconds), alternating, give each ratio
 * eight same-round pairs to take the median of, for 2 s more per server.
 */
const HELLO_ROUNDS = 8;
const HELLO_SECONDS = 1;

interface Workload {
  readonly id: string;
  readonly title: string;
  readonly path: string;
  readonly wrkArgs: readonly string[];
  /** Run only when B3_WORKLOADS names it. */
  readonly optIn?: boolean;
  /** Rounds and seconds per run, when not the defaults ({@link ROUNDS}, {@link RUN_SECONDS}). */
  readonly rounds?: number;
  readonly seconds?: number;
}

function workloads(): Workload[] {
  mkdirSync(BUILD_DIR, { recursive: true });
  const lua = join(BUILD_DIR, 'wrk-post-16k.lua');
  writeFileSync(
    lua,
    'wrk.method = "POST"\nwrk.body = string.rep("x", 16384)\nwrk.headers["Content-Type"] = "application/octet-stream"\n',
  );
  const pipelined = join(BUILD_DIR, 'wrk-pipeline-16.lua');
  writeFileSync(
    pipelined,
    'init = function(args)\n  local r = {}\n  for i = 1, 16 do r[i] = wrk.format(nil, "/") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n',
  );
  return [
    {
      id: 'hello',
      title: 'hello, keep-alive',
      path: '/',
      wrkArgs: [],
      rounds: HELLO_ROUNDS,
      seconds: HELLO_SECONDS,
    },
    { id: 'close', title: 'hello, Connection: close', path: '/', wrkArgs: ['-H', 'Connection: close'] },
    { id: 'big', title: '100 KiB body', path: '/big', wrkArgs: [] },
    { id: 'echo', title: 'POST /echo 16 KiB', path: '/echo', wrkArgs: ['-s', lua] },
    {
      id: 'pipelined',
      title: 'hello, 16 pipelined requests per write',
      path: '/',
      wrkArgs: ['-s', pipelined],
      optIn: true,
    },
  ];
}

interface Peer {
  readonly name: string;
  readonly command: (port: number) => ServerCommand | null;
  /** Why it cannot run, or null. */
  readonly missing: () => string | null;
  readonly skip?: readonly string[];
}

const tsx =
  (file: string, ...args: string[]) =>
  (port: number) => ({
    cmd: process.execPath,
    args: ['--import', 'tsx', file, '--port', String(port), ...args],
  });
const py = (kind: string) => (port: number) => ({
  cmd: PYTHON,
  args: ['bench/servers/http-peers.py', kind, String(port)],
});
const pyMissing = (modules: string, debs: string) => () => {
  const ok = (): boolean => spawnSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
  if (ok()) return null;
  if (process.getuid?.() === 0) {
    spawnSync('sh', ['-c', `apt-get install -y --no-install-recommends ${debs} >/dev/null 2>&1`]);
    if (ok()) return null;
  }
  return `${PYTHON} cannot import ${modules} (apt-get install ${debs})`;
};

function nginxCommand(port: number): ServerCommand {
  const prefix = join(BUILD_DIR, `nginx-http-${port}`);
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  mkdirSync(join(prefix, 'html'), { recursive: true });
  writeFileSync(join(prefix, 'html', 'big'), Buffer.alloc(100 * 1024, 0x62));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off; master_process off; worker_processes 1; error_log ${prefix}/logs/error.log; pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path ${prefix}/tmp; proxy_temp_path ${prefix}/tmp; fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp; scgi_temp_path ${prefix}/tmp;
  server { listen 127.0.0.1:${port}; root ${prefix}/html;
    location = / { default_type text/plain; return 200 'hello world'; }
    location = /big { default_type application/octet-stream; }
  }
}
`,
  );
  return { cmd: '/usr/sbin/nginx', args: ['-p', prefix, '-c', conf] };
}

const PEERS: readonly Peer[] = [
  { name: 'nbio serveRaw', command: tsx('bench/servers/http-nbio.ts', '--api', 'raw'), missing: () => null },
  {
    name: 'nbio serve (default: LightResponse)',
    command: tsx('bench/servers/http-nbio.ts', '--api', 'light'),
    missing: () => null,
  },
  {
    name: "nbio serve (Node's Response)",
    command: tsx('bench/servers/http-nbio.ts', '--api', 'fetch'),
    missing: () => null,
  },
  {
    name: 'nbio serve (PlainResponse)',
    command: tsx('bench/servers/http-nbio.ts', '--api', 'plain'),
    missing: () => null,
  },
  { name: 'Node http', command: tsx('bench/servers/http-node.ts'), missing: () => null },
  {
    name: 'Node http on nbio compat',
    command: tsx('bench/servers/http-node.ts', '--compat'),
    missing: () => null,
  },
  {
    name: 'uvicorn+uvloop+httptools',
    command: py('uvicorn'),
    missing: pyMissing('uvicorn, uvloop, httptools', 'python3-uvicorn python3-uvloop python3-httptools'),
  },
  { name: 'aiohttp', command: py('aiohttp'), missing: pyMissing('aiohttp', 'python3-aiohttp') },
  { name: 'Tornado HTTPServer', command: py('tornado'), missing: pyMissing('tornado', 'python3-tornado') },
  { name: 'Twisted web', command: py('twisted'), missing: pyMissing('twisted.web', 'python3-twisted') },
  {
    name: 'nginx (ceiling)',
    command: nginxCommand,
    missing: () =>
      existsSync('/usr/sbin/nginx') ? null : 'nginx is not installed (apt-get install nginx-light)',
    skip: ['echo'],
  },
];

/** A comma-separated environment variable as a list, or null when unset. */
function envList(name: string): string[] | null {
  const v = process.env[name];
  return v === undefined || v === '' ? null : v.split(',').map((x) => x.trim());
}

/** The peers B3_PEERS names (substrings of their names, case-insensitive), or all. */
function chosenPeers(): readonly Peer[] {
  const only = envList('B3_PEERS')?.map((x) => x.toLowerCase()) ?? null;
  return only === null ? PEERS : PEERS.filter((p) => only.some((x) => p.name.toLowerCase().includes(x)));
}

/** One wrk run. */
interface Sample {
  reqPerSec: number;
  cpuUsPerReq: number;
  p99Ms: number;
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

async function wrk(port: number, w: Workload, seconds: number, pid: number): Promise<Sample> {
  const cpu0 = cpuSeconds(pid) ?? 0;
  const [cmd, args] = pinned(1, 'wrk', [
    '-t1',
    '-c100',
    `-d${seconds}s`,
    '--latency',
    ...w.wrkArgs,
    `http://127.0.0.1:${port}${w.path}`,
  ]);
  const { stdout } = await run(cmd, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const cpu1 = cpuSeconds(pid) ?? cpu0;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(stdout);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    reqPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    cpuUsPerReq: requests > 0 ? ((cpu1 - cpu0) * 1e6) / requests : Number.NaN,
    p99Ms: p99 ? Number(p99[1]) * (UNIT_MS[p99[2] ?? 'ms'] ?? 1) : Number.NaN,
    errors: non2xx + (errs ? errs.slice(1).reduce((a, x) => a + Number(x), 0) : 0),
  };
}

async function runB3(ctx: BenchContext): Promise<string> {
  const { quick, progress, machine } = ctx;
  if (
    spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status !== 0 &&
    process.getuid?.() === 0
  ) {
    spawnSync('sh', ['-c', 'apt-get install -y --no-install-recommends wrk >/dev/null 2>&1']);
  }
  if (spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status !== 0)
    throw new Error('wrk is not installed (apt-get install wrk).');
  const onlyLoads = envList('B3_WORKLOADS');
  const loads = (quick ? workloads().slice(0, 1) : workloads()).filter((w) =>
    onlyLoads === null ? w.optIn !== true : onlyLoads.includes(w.id),
  );
  // B3_ROUNDS / B3_SECONDS, when given, apply to every workload.
  const roundsOf = (w: Workload): number =>
    Number(process.env.B3_ROUNDS) || (quick ? 1 : (w.rounds ?? ROUNDS));
  const secondsOf = (w: Workload): number =>
    Number(process.env.B3_SECONDS) || (quick ? 2 : (w.seconds ?? RUN_SECONDS));
  const servers = new Map<string, RunningServer>();
  const skipped: Record<string, string> = {};
  for (const peer of chosenPeers()) {
    const why = peer.missing();
    if (why !== null) {
      skipped[peer.name] = why;
      continue;
    }
    const port = await freePort();
    const cmd = peer.command(port);
    if (cmd === null) continue;
    const r = await startServer(cmd, port, 0);
    if (r.ok) servers.set(peer.name, r.server);
    else skipped[peer.name] = r.reason;
  }
  const samples: Record<string, Record<string, Sample[]>> = {};
  const rss: Record<string, number | null> = {};
  try {
    for (const w of loads) {
      const names = PEERS.filter((p) => servers.has(p.name) && !(p.skip ?? []).includes(w.id)).map(
        (p) => p.name,
      );
      for (const name of names) {
        const s = servers.get(name) as RunningServer;
        await wrk(s.port, w, WARMUP_SECONDS, s.pid);
      }
      const rounds = roundsOf(w);
      const seconds = secondsOf(w);
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? names : [...names].reverse();
        for (const name of order) {
          const s = servers.get(name) as RunningServer;
          const done = progress.step(`http ${w.id} ${name} round ${round + 1}/${rounds}`);
          const sample = await wrk(s.port, w, seconds, s.pid);
          (samples[w.id] ??= {})[name] ??= [];
          samples[w.id]?.[name]?.push(sample);
          done(
            `${fmt(sample.reqPerSec)} req/s, ${fmt(sample.cpuUsPerReq)} µs CPU/req, p99 ${fmt(sample.p99Ms)} ms`,
          );
        }
      }
    }
  } finally {
    for (const [name, s] of servers) {
      rss[name] = statusKb(s.pid, 'VmHWM');
      await s.stop();
    }
  }
  const plan = Object.fromEntries(loads.map((w) => [w.id, { rounds: roundsOf(w), seconds: secondsOf(w) }]));
  const json = { machine, plan, rssPeakKb: rss, skipped, samples };
  let md = `${markdownHeader('B3: HTTP/1.1 servers under wrk -t1 -c100', machine)}\n`;
  const runs = loads.map((w) => `${w.id} ${roundsOf(w)} × ${secondsOf(w)} s`).join(', ');
  md += `Server pinned to core 0, \`wrk -t1 -c100\` to core 1; rounds per workload (${runs}) after a ${WARMUP_SECONDS} s warm-up, servers alternating (order reversed every other round). `;
  md +=
    'The machine was shared with other work while measuring: compare rows of the same run (the ratio column), not absolute figures across runs. ';
  md += "CPU is the server process's utime+stime per request; RSS the peak over the whole benchmark.\n";
  for (const w of loads) {
    const per = samples[w.id] ?? {};
    const node = per['Node http']?.map((s) => s.reqPerSec) ?? [];
    const rows = Object.entries(per).map(([name, ss]) => {
      const rps = summarize(ss.map((s) => s.reqPerSec));
      const cpu = summarize(ss.map((s) => s.cpuUsPerReq));
      const p99 = summarize(ss.map((s) => s.p99Ms));
      const ratio =
        node.length > 0
          ? medianRatio(
              ss.map((s) => s.reqPerSec),
              node,
            )
          : Number.NaN;
      const errors = ss.reduce((a, s) => a + s.errors, 0);
      return [
        name,
        fmt(rps.median),
        `${fmt(rps.min)}..${fmt(rps.max)}`,
        fmt(ratio),
        fmt(cpu.median),
        fmt(p99.median),
        rss[name] ? fmt(rss[name] / 1024) : '–',
        String(errors),
      ];
    });
    md += `\n## ${w.title}\n\n${markdownTable(['server', 'req/s', 'range', '× Node http', 'CPU µs/req', 'p99 ms', 'peak RSS MiB', 'errors'], rows)}\n`;
  }
  for (const [name, why] of Object.entries(skipped)) md += `\n- ${name}: skipped — ${why}`;
  writeResults('http', json, md);
  return md;
}

/** B3; see the module comment. */
export const httpBenchmark: Benchmark = {
  id: 'http',
  title: 'B3: HTTP/1.1 servers (nbio, Node http, uvicorn, aiohttp, Tornado, Twisted, nginx) under wrk',
  plan(quick) {
    const runs = quick ? PEERS.length : PEERS.length * (3 * ROUNDS + HELLO_ROUNDS);
    const perPeer =
      3 * (ROUNDS * RUN_SECONDS + WARMUP_SECONDS + 1) + HELLO_ROUNDS * HELLO_SECONDS + WARMUP_SECONDS + 1;
    return { steps: runs, seconds: quick ? PEERS.length * 4 : PEERS.length * perPeer };
  },
  run: runB3,
};
