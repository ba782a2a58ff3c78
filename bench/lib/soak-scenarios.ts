/**
 * The soak scenarios of issue 9, shared by `npm run soak` (bench/soak.ts, full counts) and
 * test/integration/data-safety-soak.test.ts (reduced counts). Each runs against `nbio echo` in
 * a child process (bench/soak-server.ts), so the server's descriptors and RSS are read from
 * outside (/proc, Linux), and the clients are Node's own `net` sockets (a peer nbio did not
 * write):
 *
 * - {@link connectCycles}: connect, echo a line, close, many times over a few lanes; the
 *   server's descriptor count must come back to where it was, and its live heap (after a full
 *   GC) stay flat. RSS is reported too: it rises while V8 and malloc grow their arenas, then
 *   plateaus (measured: +20 MB over the first 20,000 cycles, then flat, with the heap after GC
 *   flat at 7.6–7.7 MB throughout), so RSS alone cannot tell a leak.
 * - {@link slowReader}: a client sends a large stream but reads nothing for a while; the
 *   server's flow control must hold its RSS bounded, and every byte must come back in order.
 * - {@link sigtermUnderLoad}: SIGTERM while clients stream; the server must exit 0, promptly.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { statusKb } from './proc.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An `nbio echo` child process. */
export interface EchoChild {
  /** The TCP port it listens on (127.0.0.1). */
  readonly port: number;
  /** Its process id. */
  readonly pid: number;
  /** Open descriptors of the server now (/proc/<pid>/fd). */
  fdCount(): number;
  /** Resident set size of the server now, in KiB. */
  rssKb(): number;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Runs a full GC in the server (SIGUSR2) and resolves with its live heap, in KiB. */
  heapAfterGcKb(): Promise<number>;
  /** Sends `signal` (default SIGTERM); resolves with the exit code (null: killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once it exits. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `nbio echo --backend <backend> --port 0` (bench/soak-server.ts), or with backend
 * `'node'` the same echo server on Node's `net` (bench/soak-peer-server.mjs, the peer); resolves
 * once it listens.
 */
export function startEchoServer(backend: string): Promise<EchoChild> {
  const args =
    backend === 'node'
      ? ['--expose-gc', 'bench/soak-peer-server.mjs']
      : ['--expose-gc', '--import', 'tsx', 'bench/soak-server.ts', '--backend', backend, '--port', '0'];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const memoryWaiters: ((kb: number) => void)[] = [];
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      for (let nl = out.indexOf('\n'); nl >= 0 && /^memory /.test(out); nl = out.indexOf('\n')) {
        const { heapUsedKb } = JSON.parse(out.slice('memory '.length, nl)) as { heapUsedKb: number };
        out = out.slice(nl + 1);
        memoryWaiters.shift()?.(heapUsedKb);
      }
      const m = /listening on 127\.0\.0\.1:(\d+)\n/.exec(out);
      if (m === null) return;
      out = out.slice(m.index + m[0].length);
      const pid = child.pid ?? -1;
      resolve({
        port: Number(m[1]),
        pid,
        fdCount: () => readdirSync(`/proc/${pid}/fd`).length,
        rssKb: () => statusKb(pid, 'VmRSS') ?? 0,
        stderr: () => err,
        heapAfterGcKb: () =>
          new Promise<number>((r) => {
            memoryWaiters.push(r);
            child.kill('SIGUSR2');
          }),
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        exited,
      });
    });
    child.on('exit', (code) => reject(new Error(`nbio echo exited early with ${code}: ${err}`)));
  });
}

/** Polls `pred` every 10 ms for up to `ms`; resolves whether it came true. */
async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** One connect/echo/close cycle with a Node socket. */
function oneCycle(port: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const msg = Buffer.from(`cycle ${n}\n`);
    const s = connect(port, '127.0.0.1');
    let got = 0;
    s.on('connect', () => s.write(msg));
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= msg.length) s.end();
    });
    s.on('error', reject);
    s.on('close', () =>
      got === msg.length ? resolve() : reject(new Error(`cycle ${n}: ${got} of ${msg.length} bytes echoed`)),
    );
  });
}

/** What {@link connectCycles} measured. */
export interface CyclesResult {
  /** Cycles measured (after the warm-up). */
  readonly cycles: number;
  /** Wall time of those cycles. */
  readonly elapsedMs: number;
  /**
   * Server descriptors after the warm-up, and once every cycle's connection closed. A leak
   * shows as after > before; after < before only means a warm-up connection was still closing.
   */
  readonly fdsBefore: number;
  readonly fdsAfter: number;
  /** Server RSS after the warm-up and at the end, in KiB. */
  readonly rssBeforeKb: number;
  readonly rssAfterKb: number;
  /** Server live heap after a full GC, after the warm-up and at the end, in KiB. */
  readonly heapBeforeKb: number;
  readonly heapAfterKb: number;
}

/**
 * `cycles` connect/echo/close cycles over `lanes` concurrent lanes, after a warm-up of
 * `warmup` cycles (so lazily allocated pools and JIT code are in the baseline).
 */
export async function connectCycles(
  server: EchoChild,
  cycles: number,
  lanes = 16,
  warmup = Math.min(1000, cycles / 10),
): Promise<CyclesResult> {
  const run = async (count: number, offset: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < count) await oneCycle(server.port, offset + next++);
      }),
    );
  };
  await run(warmup, 0);
  const idle = server.fdCount();
  await waitFor(() => server.fdCount() <= idle, 2000);
  const fdsBefore = server.fdCount();
  const heapBeforeKb = await server.heapAfterGcKb();
  const rssBeforeKb = server.rssKb();
  const t0 = performance.now();
  await run(cycles, warmup);
  const elapsedMs = performance.now() - t0;
  // The server closes its side once it sees each client's EOF: give the last ones a moment.
  await waitFor(() => server.fdCount() <= fdsBefore, 5000);
  const fdsAfter = server.fdCount();
  const rssAfterKb = server.rssKb();
  const heapAfterKb = await server.heapAfterGcKb();
  return { cycles, elapsedMs, fdsBefore, fdsAfter, rssBeforeKb, rssAfterKb, heapBeforeKb, heapAfterKb };
}

/** The byte at stream offset `i` (so reordering, loss or duplication shows). */
function byteAt(i: number): number {
  return Math.imul(i, 2654435761) >>> 24;
}

function fill(buf: Buffer, offset: number): Buffer {
  for (let i = 0; i < buf.length; i++) buf[i] = byteAt(offset + i);
  return buf;
}

/** What {@link slowReader} measured. */
export interface SlowReaderResult {
  /** Bytes the client wrote. */
  readonly bytesSent: number;
  /** Bytes that came back before the server's end. */
  readonly bytesBack: number;
  /** Offset of the first byte that came back wrong, or −1. */
  readonly firstMismatch: number;
  /** How long the client read nothing. */
  readonly pausedMs: number;
  /** Wall time from connect to the server's end. */
  readonly elapsedMs: number;
  /** Server RSS before, and the highest sampled (every 20 ms) while it ran, in KiB. */
  readonly rssBeforeKb: number;
  readonly rssPeakKb: number;
}

/**
 * Sends `totalBytes` through the echo server while reading nothing for `pauseMs`, then reads
 * everything back and compares it byte for byte (streaming: nothing is kept).
 */
export async function slowReader(
  server: EchoChild,
  totalBytes: number,
  pauseMs: number,
): Promise<SlowReaderResult> {
  const rssBeforeKb = server.rssKb();
  let rssPeakKb = rssBeforeKb;
  const sampler = setInterval(() => {
    rssPeakKb = Math.max(rssPeakKb, server.rssKb());
  }, 20);
  const t0 = performance.now();
  const s: Socket = connect(server.port, '127.0.0.1');
  s.pause(); // read nothing for now
  let back = 0;
  let firstMismatch = -1;
  const done = new Promise<void>((resolve, reject) => {
    s.on('data', (d: Buffer) => {
      if (firstMismatch < 0) {
        for (let i = 0; i < d.length; i++) {
          if (d[i] !== byteAt(back + i)) {
            firstMismatch = back + i;
            break;
          }
        }
      }
      back += d.length;
    });
    s.on('end', resolve);
    s.on('error', reject);
  });
  await new Promise<void>((r, j) => {
    s.once('connect', r);
    s.once('error', j);
  });
  const resumeTimer = setTimeout(() => s.resume(), pauseMs);
  const chunk = 256 * 1024;
  for (let sent = 0; sent < totalBytes; sent += chunk) {
    const n = Math.min(chunk, totalBytes - sent);
    if (!s.write(fill(Buffer.allocUnsafe(n), sent))) await new Promise((r) => s.once('drain', r));
  }
  s.end();
  try {
    await done;
  } finally {
    clearTimeout(resumeTimer);
    clearInterval(sampler);
    s.destroy();
  }
  return {
    bytesSent: totalBytes,
    bytesBack: back,
    firstMismatch,
    pausedMs: pauseMs,
    elapsedMs: performance.now() - t0,
    rssBeforeKb,
    rssPeakKb,
  };
}

/** What {@link sigtermUnderLoad} measured. */
export interface SigtermResult {
  readonly exitCode: number | null;
  /** From the signal to the exit. */
  readonly exitMs: number;
  /** Bytes the clients got back before the signal (proof there was load). */
  readonly bytesEchoed: number;
}

/** `clients` sockets stream through the server for `loadMs`; then SIGTERM. */
export async function sigtermUnderLoad(
  server: EchoChild,
  clients: number,
  loadMs: number,
): Promise<SigtermResult> {
  let bytesEchoed = 0;
  const payload = Buffer.alloc(64 * 1024, 0x78);
  const sockets = Array.from({ length: clients }, () => {
    const s = connect(server.port, '127.0.0.1');
    const pump = () => {
      while (!s.destroyed && s.write(payload));
    };
    s.on('connect', pump);
    s.on('drain', pump);
    s.on('data', (d: Buffer) => {
      bytesEchoed += d.length;
    });
    s.on('error', () => {}); // the server going away resets them: expected
    return s;
  });
  await new Promise((r) => setTimeout(r, loadMs));
  const echoedBefore = bytesEchoed;
  const t0 = performance.now();
  const timer = setTimeout(() => void server.stop('SIGKILL'), 10_000);
  const exitCode = await server.stop('SIGTERM');
  clearTimeout(timer);
  const exitMs = performance.now() - t0;
  for (const s of sockets) s.destroy();
  return { exitCode, exitMs, bytesEchoed: echoedBefore };
}

/** The most the server's live heap (after a full GC) may grow over a cycles run, in KiB. */
export const HEAP_GROWTH_MAX_KB = 4096;
/** The most the server's RSS may rise above its start while a slow reader is served, in KiB. */
export const RSS_GROWTH_MAX_KB = 64 * 1024;
/** The longest the server may take to exit after SIGTERM under load. */
export const SIGTERM_EXIT_MAX_MS = 5000;
