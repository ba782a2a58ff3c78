/**
 * B1 for io_uring, a short same-run comparison: `nbio echo --backend io_uring` beside nbio on
 * epoll, the C epoll server, the C io_uring server (bench/c/uring-echo-server.c), uvloop and
 * Node `net`, at 64 B with 1, 50 and 500 connections (one message in flight), then a separate
 * short run per server under strace that counts the I/O system calls per round trip.
 *
 *   NBIO_BENCH_SAVE=1 node --import tsx bench/echo-uring.ts   # ~4 min; bench/results/echo-uring.*, echo-syscalls.*
 *
 * The timed runs are B1's own (`runEcho`: servers on core 0, the C load generator on core 1,
 * rounds alternating, medians of same-round ratios). Counting never runs during a timed run:
 * strace slows a server down many times over.
 *
 * ## Counting system calls
 * `strace -f -p <pid>` records the server's calls while the load generator runs 64 B × 50
 * connections for one second with no warm-up (so every round trip it counts happened while
 * strace watched). Only the server's main thread counts (Node's and libuv's other threads do
 * housekeeping: GC, the tsx compiler's IPC), and only calls that move bytes or wait for them:
 * io_uring_enter, epoll_wait/epoll_pwait/epoll_pwait2, recv/recvfrom/recvmsg, send/sendto/sendmsg,
 * read/write/readv/writev.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type EchoTiming, runEcho } from './echo.ts';
import { ECHO_IMPLS, type EchoShape } from './echo-impls.ts';
import { sleep } from './lib/benchmark.ts';
import { runLoadgen } from './lib/loadgen.ts';
import { ensureCProgram } from './lib/peers.ts';
import { Progress } from './lib/progress.ts';
import { BUILD_DIR, machineInfo, markdownHeader, markdownTable, writeResults } from './lib/results.ts';
import { freePort, killAllChildren, startServer } from './lib/server-process.ts';
import { fmt } from './lib/stats.ts';

const IMPLS = ['nbio', 'nbio-uring', 'c-epoll', 'c-uring', 'uvloop', 'node-net'];
const SHAPES: EchoShape[] = [
  { msgBytes: 64, conns: 1, inFlight: 1 },
  { msgBytes: 64, conns: 50, inFlight: 1 },
  { msgBytes: 64, conns: 500, inFlight: 1 },
];
const TIMING: EchoTiming = { runs: 3, warmup: true, warmupMs: 300, durationMs: 1500, warmupRunMs: 700 };
const IO_SYSCALLS = new Set([
  'io_uring_enter',
  'epoll_wait',
  'epoll_pwait',
  'epoll_pwait2',
  'recv',
  'recvfrom',
  'recvmsg',
  'send',
  'sendto',
  'sendmsg',
  'read',
  'write',
  'readv',
  'writev',
]);

/** One server's count. */
interface SyscallRow {
  impl: string;
  roundTrips: number;
  calls: Record<string, number>;
  ioCallsPerRt: number;
}

/** Runs one server under strace for a short 64 B × 50 load; counts its main thread's I/O calls. */
async function countSyscalls(impl: string): Promise<SyscallRow | string> {
  const e = ECHO_IMPLS.find((i) => i.name === impl);
  if (e === undefined) return `${impl}: unknown`;
  const why = e.precheck();
  if (why !== null) return `${impl}: ${why}`;
  const port = await freePort();
  const started = await startServer(e.command(port), port);
  if (!started.ok) return `${impl}: ${started.reason}`;
  const server = started.server;
  const out = join(BUILD_DIR, `strace-${impl}.txt`);
  try {
    await sleep(300);
    const strace = spawn(
      'strace',
      ['-f', '-p', String(server.pid), '-o', out, '-e', `trace=${[...IO_SYSCALLS].join(',')}`],
      {
        stdio: 'ignore',
      },
    );
    await sleep(500); // attached
    const r = await runLoadgen({ port, conns: 50, inflight: 1, msgBytes: 64, warmupMs: 0, durationMs: 1000 });
    strace.kill('SIGINT');
    await new Promise((res) => strace.once('exit', res));
    const calls: Record<string, number> = {};
    let io = 0;
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      // "<tid> name(args…" or "<tid> <... name resumed>"; unfinished halves count once.
      const m = /^(\d+)\s+([a-z_0-9]+)\(/.exec(line);
      if (m === null || Number(m[1]) !== server.pid || !IO_SYSCALLS.has(m[2] as string)) continue;
      calls[m[2] as string] = (calls[m[2] as string] ?? 0) + 1;
      io++;
    }
    return {
      impl,
      roundTrips: r.roundTrips,
      calls,
      ioCallsPerRt: r.roundTrips > 0 ? io / r.roundTrips : Number.NaN,
    };
  } finally {
    await server.stop();
    rmSync(out, { force: true });
  }
}

async function main(): Promise<void> {
  ensureCProgram('loadgen');
  const machine = machineInfo(false);
  const matrix = SHAPES.map((shape) => ({ shape, impls: ECHO_IMPLS.filter((i) => IMPLS.includes(i.name)) }));
  const steps = SHAPES.length * IMPLS.length * (TIMING.runs + 1);
  const md = await runEcho(
    { quick: false, progress: new Progress(steps), machine },
    matrix,
    TIMING,
    'echo-uring',
  );
  console.log(md);

  const rows: SyscallRow[] = [];
  const skipped: string[] = [];
  for (const impl of IMPLS) {
    process.stdout.write(`counting system calls of ${impl} under strace … `);
    const r = await countSyscalls(impl);
    if (typeof r === 'string') {
      skipped.push(r);
      console.log(`skipped (${r})`);
    } else {
      rows.push(r);
      console.log(`${fmt(r.ioCallsPerRt)} per round trip`);
    }
  }
  const table = markdownTable(
    ['server', 'round trips', 'I/O syscalls per round trip', 'calls (main thread)'],
    rows.map((r) => [
      r.impl,
      String(r.roundTrips),
      r.ioCallsPerRt.toFixed(3),
      Object.entries(r.calls)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]),
  );
  const text = [
    markdownHeader(
      'B1 I/O system calls per round trip (64 B, 50 connections, 1 in flight, under strace)',
      machine,
    ),
    'A separate 1 s run per server with `strace -f -p`, no warm-up, never during a timed run. Counted: the',
    "server's main thread only, calls that move bytes or wait for them (see bench/echo-uring.ts).",
    '',
    table,
    ...(skipped.length > 0 ? ['', `Skipped: ${skipped.join('; ')}`] : []),
    '',
  ].join('\n');
  writeResults('echo-syscalls', { id: 'echo-syscalls', machine, rows, skipped }, text);
  console.log(text);
}

try {
  await main();
} finally {
  killAllChildren();
}
