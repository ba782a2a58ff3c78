/**
 * B1 for io_uring, a short same-run comparison: `nbio echo --backend io_uring` beside nbio on
 * epoll, the C epoll server, the C io_uring server (bench/c/uring-echo-server.c), uvloop and
 * Node `net`, at 64 B with 1, 50 and 500 connections (one message in flight), each shape
 * followed by B1's strace count of I/O system calls per round trip (echo-syscalls.ts).
 *
 *   NBIO_BENCH_SAVE=1 node --import tsx bench/echo-uring.ts   # ~5 min; bench/results/echo-uring.*
 *
 * It is B1 (`runEcho`: servers on core 0, the C load generator on core 1, rounds alternating,
 * medians of same-round ratios) on a smaller matrix; the full matrix is `npm run bench -- echo`.
 * `NBIO_ECHO_ROUNDS=n` changes the number of measured rounds (default 3); `NBIO_ECHO_IMPLS`
 * (comma-separated names) picks the servers, `NBIO_ECHO_CONNS` (e.g. `1,50`) the connection
 * counts. B1's `nbio-uring-owner` (`nbio echo --backend io_uring --mode owner`) is in the default
 * list, so guest and owner mode on io_uring are compared in the same run
 * (docs/backends/io_uring.md). `nbio-uring-owner-defer` (not in the default list: name it in
 * NBIO_ECHO_IMPLS) is an owner-mode server on a DEFER_TASKRUN ring
 * (bench/servers/nbio-uring-owner-echo.ts --flags defer), to compare the setup flags in one run;
 * `c-uring-fixed` (not in the default list either) is the C io_uring server with registered files
 * (`--fixed-files`), to measure what they save beside `c-uring`.
 *
 * @module
 */
import { type EchoTiming, echoTiming, runEcho } from './echo.ts';
import { ECHO_IMPLS, type EchoImpl, type EchoShape } from './echo-impls.ts';
import { ensureCProgram } from './lib/peers.ts';
import { Progress } from './lib/progress.ts';
import { machineInfo } from './lib/results.ts';
import { killAllChildren } from './lib/server-process.ts';

const IMPLS = (
  process.env.NBIO_ECHO_IMPLS ?? 'nbio,nbio-uring,nbio-uring-owner,c-epoll,c-uring,uvloop,node-net'
).split(',');
/** The owner-mode server on a DEFER_TASKRUN | SINGLE_ISSUER | TASKRUN_FLAG ring. */
const OWNER_DEFER: EchoImpl = {
  name: 'nbio-uring-owner-defer',
  python: false,
  precheck: () => null,
  description:
    'nbio echo on io_uring, owner mode, DEFER_TASKRUN ring (bench/servers/nbio-uring-owner-echo.ts --flags defer)',
  command: (port) => ({
    cmd: process.execPath,
    args: [
      '--import',
      'tsx',
      'bench/servers/nbio-uring-owner-echo.ts',
      '--port',
      String(port),
      '--flags',
      'defer',
    ],
  }),
};
/** The C io_uring server with every connection in the ring's file table (IOSQE_FIXED_FILE). */
const C_FIXED: EchoImpl = {
  name: 'c-uring-fixed',
  python: false,
  description:
    'the C io_uring server with registered files (bench/c/uring-echo-server.c --fixed-files): no fget/fput per request',
  command: (port) => ({
    cmd: ensureCProgram('uring-echo-server'),
    args: ['--port', String(port), '--fixed-files'],
  }),
  precheck: () => null,
};
/** `NBIO_ECHO_CONNS` (comma-separated: 1, 50, 500) narrows the shapes. */
const CONNS = (process.env.NBIO_ECHO_CONNS ?? '1,50,500').split(',').map(Number);
const SHAPES: EchoShape[] = [
  { msgBytes: 64, conns: 1, inFlight: 1 },
  { msgBytes: 64, conns: 50, inFlight: 1 },
  { msgBytes: 64, conns: 500, inFlight: 1 },
].filter((s) => CONNS.includes(s.conns));
/** B1's own timing (bench/echo.ts), so the two files' runs compare. */
const TIMING: EchoTiming = echoTiming(false);

async function main(): Promise<void> {
  ensureCProgram('loadgen');
  const machine = machineInfo(false);
  const matrix = SHAPES.map((shape) => ({
    shape,
    impls: [...ECHO_IMPLS, OWNER_DEFER, C_FIXED].filter((i) => IMPLS.includes(i.name)),
  }));
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
