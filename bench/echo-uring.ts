/**
 * B1 for io_uring, a short same-run comparison: `nbio echo --backend io_uring` beside nbio on
 * epoll, the C epoll server, the C io_uring server (bench/c/uring-echo-server.c), uvloop and
 * Node `net`, at 64 B with 1, 50 and 500 connections (one message in flight), each shape
 * followed by B1's strace count of I/O system calls per round trip (echo-syscalls.ts).
 *
 *   NBIO_BENCH_SAVE=1 node --import tsx bench/echo-uring.ts   # ~4 min; bench/results/echo-uring.*
 *
 * It is B1 (`runEcho`: servers on core 0, the C load generator on core 1, rounds alternating,
 * medians of same-round ratios) on a smaller matrix; the full matrix is `npm run bench -- echo`.
 * `NBIO_ECHO_ROUNDS=n` changes the number of measured rounds (default 3).
 *
 * @module
 */
import { type EchoTiming, runEcho } from './echo.ts';
import { ECHO_IMPLS, type EchoShape } from './echo-impls.ts';
import { ensureCProgram } from './lib/peers.ts';
import { Progress } from './lib/progress.ts';
import { machineInfo } from './lib/results.ts';
import { killAllChildren } from './lib/server-process.ts';

const IMPLS = (process.env.NBIO_ECHO_IMPLS ?? 'nbio,nbio-uring,c-epoll,c-uring,uvloop,node-net').split(',');
const SHAPES: EchoShape[] = [
  { msgBytes: 64, conns: 1, inFlight: 1 },
  { msgBytes: 64, conns: 50, inFlight: 1 },
  { msgBytes: 64, conns: 500, inFlight: 1 },
];
const TIMING: EchoTiming = {
  runs: Number(process.env.NBIO_ECHO_ROUNDS ?? 3),
  warmup: true,
  warmupMs: 300,
  durationMs: 1500,
  warmupRunMs: 700,
  countSyscalls: process.env.NBIO_ECHO_SYSCALLS !== '0',
};

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
}

try {
  await main();
} finally {
  killAllChildren();
}
