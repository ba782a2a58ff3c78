/**
 * Runs the C load generator (bench/c/loadgen.c) pinned to core 1 and parses what it prints.
 *
 * @module
 */
import { createInterface } from 'node:readline';
import { ensureCProgram } from './peers.ts';
import { pinned } from './proc.ts';
import { spawnTracked } from './server-process.ts';

/** The load a run applies. */
export interface LoadgenOptions {
  port: number;
  conns: number;
  inflight: number;
  msgBytes: number;
  warmupMs: number;
  durationMs: number;
  /** Connections that send (default: all); the rest stay connected and idle. */
  active?: number;
  /** Hard cap on messages sent in the whole run. */
  maxMsgs?: number;
  /** The server's pid: its CPU time is read at both edges of the measured window. */
  serverPid?: number;
  /** Connections opened at once while connecting. */
  connectBatch?: number;
}

/** What the load generator reports (see bench/README.md). */
export interface LoadgenResult {
  conns: number;
  connected: number;
  connectFailed: number;
  connectMs: number;
  active: number;
  inflight: number;
  size: number;
  durationMs: number;
  roundTrips: number;
  rtPerSec: number;
  latencyUs: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
  /** [lowNs, highNs, count] of every non-empty latency bucket (~3% wide). */
  histogramNs: [number, number, number][];
  /** Server utime+stime during the window (s), or null without a pid. */
  serverCpuSec: number | null;
  clientCpuSec: number;
  errors: number;
  capped: boolean;
  sent: number;
}

/** What the loadgen prints when --wait-stdin has it pause after connecting. */
export interface ConnectedInfo {
  connected: number;
  failed: number;
  connectMs: number;
}

/** A load generator run in progress. */
export interface LoadgenRun {
  /** Resolves once every connection is open (only with `waitForGo`). */
  connected: Promise<ConnectedInfo>;
  /** Lets a paused run start its traffic. */
  go(): void;
  /** The final report. */
  result: Promise<LoadgenResult>;
}

function argsOf(o: LoadgenOptions, waitForGo: boolean): string[] {
  const a = [
    '--port',
    String(o.port),
    '--conns',
    String(o.conns),
    '--inflight',
    String(o.inflight),
    '--size',
    String(o.msgBytes),
    '--warmup-ms',
    String(o.warmupMs),
    '--duration-ms',
    String(o.durationMs),
  ];
  if (o.active !== undefined) a.push('--active', String(o.active));
  if (o.maxMsgs !== undefined) a.push('--max-msgs', String(o.maxMsgs));
  if (o.serverPid !== undefined) a.push('--server-pid', String(o.serverPid));
  if (o.connectBatch !== undefined) a.push('--connect-batch', String(o.connectBatch));
  if (waitForGo) a.push('--wait-stdin', '--wait-timeout-ms', '120000');
  return a;
}

/**
 * Starts the load generator. Without `waitForGo` traffic starts as soon as it is connected.
 * The run is killed if it outlives its own phases by more than a minute.
 */
export function startLoadgen(o: LoadgenOptions, waitForGo = false): LoadgenRun {
  const bin = ensureCProgram('loadgen');
  const [cmd, args] = pinned(1, bin, argsOf(o, waitForGo));
  const child = spawnTracked(cmd, args);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => stderr.push(s));
  let onConnected: (v: ConnectedInfo) => void = () => {};
  const connected = new Promise<ConnectedInfo>((r) => {
    onConnected = r;
  });
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    if (line.startsWith('{"event":"connected"')) onConnected(JSON.parse(line) as ConnectedInfo);
    else if (line.trim() !== '') lines.push(line);
  });
  const budgetMs = 30_000 + (waitForGo ? 120_000 : 0) + o.warmupMs + o.durationMs + 60_000;
  const result = new Promise<LoadgenResult>((resolve, reject) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      const last = lines.at(-1);
      if (code !== 0 || last === undefined) {
        reject(new Error(`loadgen failed (${signal ?? `code ${code}`}): ${stderr.join('').trim()}`));
        return;
      }
      resolve(JSON.parse(last) as LoadgenResult);
    });
  });
  // Without --wait-stdin there is no "connected" line; don't leave the promise dangling.
  if (!waitForGo)
    void result.then(
      (r) => onConnected({ connected: r.connected, failed: r.connectFailed, connectMs: r.connectMs }),
      () => {},
    );
  return {
    connected,
    go: () => {
      child.stdin?.write('go\n');
    },
    result,
  };
}

/** Runs the load generator to the end and returns its report. */
export function runLoadgen(o: LoadgenOptions): Promise<LoadgenResult> {
  return startLoadgen(o).result;
}
