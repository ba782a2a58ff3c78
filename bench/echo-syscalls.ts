/**
 * B1's "I/O syscalls/rt" column: the system calls that move bytes or wait for them, per round
 * trip, counted for one server in one shape in a separate short run under strace, after the
 * timed runs of that shape (strace slows a server down many times over, so counting never
 * happens while CPU or throughput is measured).
 *
 * How: the load generator connects and pauses (`--wait-stdin`); `strace -f -p <pid>` attaches
 * to the running server; once strace reports it attached, traffic runs for `durationMs` with no
 * warm-up, so every round trip the load generator counts happened while strace watched. Only
 * the server's main thread counts (tid = pid): Node's and libuv's other threads do housekeeping
 * (GC, the tsx compiler's hooks thread) that the issue excludes, which `strace -c` alone could
 * not separate. Counted calls: {@link IO_SYSCALLS}.
 *
 * @module
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EchoShape } from './echo-impls.ts';
import { startLoadgen } from './lib/loadgen.ts';
import { BUILD_DIR } from './lib/results.ts';
import type { RunningServer } from './lib/server-process.ts';

/** The calls that count: they move bytes or wait for them (issue 13). */
export const IO_SYSCALLS: ReadonlySet<string> = new Set([
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

/** Length of a counting run's traffic (ms). */
export const COUNT_DURATION_MS = 1000;
/** How long strace may take to attach before the count is given up (ms). */
const ATTACH_TIMEOUT_MS = 5000;

/** One server's count in one shape. */
export interface SyscallCount {
  /** Round trips the load generator completed while strace watched. */
  roundTrips: number;
  /** Calls of the main thread, by name (only {@link IO_SYSCALLS}). */
  calls: Record<string, number>;
  /** Sum of `calls` ÷ `roundTrips`. */
  ioCallsPerRt: number;
}

/** Why counting cannot run here, or null (strace missing). */
export function syscallCountUnavailable(): string | null {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'strace is not installed (apt-get install strace)';
  }
}

/**
 * Counts the I/O system calls of `server`'s main thread under a short load of `shape`.
 * @returns the count, or a string saying why there is none
 */
export async function countIoSyscalls(
  server: RunningServer,
  shape: EchoShape,
  durationMs = COUNT_DURATION_MS,
): Promise<SyscallCount | string> {
  const out = join(BUILD_DIR, `strace-${server.pid}.txt`);
  const run = startLoadgen(
    {
      port: server.port,
      conns: shape.conns,
      inflight: shape.inFlight,
      msgBytes: shape.msgBytes,
      warmupMs: 0,
      durationMs,
      maxMsgs: Math.ceil((durationMs / 1000) * 2_000_000),
    },
    true,
  );
  const strace = spawn(
    'strace',
    ['-f', '-p', String(server.pid), '-o', out, '-e', `trace=${[...IO_SYSCALLS].join(',')}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((res) => strace.once('exit', () => res()));
  try {
    // A load generator that fails before connecting never reports "connected".
    await Promise.race([run.connected, run.result]);
    const attached = await new Promise<boolean>((res) => {
      const timer = setTimeout(() => res(false), ATTACH_TIMEOUT_MS);
      strace.stderr.setEncoding('utf8');
      strace.stderr.on('data', (s: string) => {
        if (/attached/.test(s)) {
          clearTimeout(timer);
          res(true);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        res(false);
      });
    });
    run.go();
    const r = await run.result;
    if (!attached) return 'strace could not attach (ptrace not permitted here?)';
    strace.kill('SIGINT');
    await exited;
    const calls: Record<string, number> = {};
    let io = 0;
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      // "<tid> name(args…" or "<tid> <... name resumed>": an unfinished call counts once.
      const m = /^(\d+)\s+([a-z_0-9]+)\(/.exec(line);
      if (m === null || Number(m[1]) !== server.pid) continue;
      const name = m[2] as string;
      if (!IO_SYSCALLS.has(name)) continue;
      calls[name] = (calls[name] ?? 0) + 1;
      io++;
    }
    if (r.roundTrips === 0) return 'no round trip completed under strace';
    return { roundTrips: r.roundTrips, calls, ioCallsPerRt: io / r.roundTrips };
  } catch (err) {
    return `counting failed: ${(err as Error).message}`;
  } finally {
    if (strace.exitCode === null && strace.signalCode === null) strace.kill('SIGKILL');
    await exited;
    rmSync(out, { force: true });
  }
}
