/**
 * Servers under test as child processes: started pinned to core 0, ready when they print
 * `listening on <host>:<port>` (or, for a server that prints nothing, when the port accepts a
 * connection), stopped with SIGTERM (SIGKILL after a grace period). A server that exits or
 * stays silent before it is ready is reported as skipped, with the last line it wrote to
 * stderr as the reason: that is how rows whose command does not exist yet are skipped.
 *
 * Every child is tracked, so Ctrl-C or an exception never leaves one running.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { pinned } from './proc.ts';
import { ROOT } from './results.ts';

/** How long a server may take to become ready (tsx compiles on first start). */
const READY_TIMEOUT_MS = 20_000;
/** How long a server may take to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 3_000;

const children = new Set<ChildProcess>();

/** Kills every child still running (synchronously; used on exit and on Ctrl-C). */
export function killAllChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
}

/** Starts `cmd args` as a tracked child (cwd: the repository root). */
export function spawnTracked(
  cmd: string,
  args: readonly string[],
  stdio: 'pipe' | 'ignore' = 'pipe',
): ChildProcess {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: [stdio, 'pipe', 'pipe'], env: process.env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** An unused TCP port on 127.0.0.1 (bound and released; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(500, () => done(false));
  });
}

/** How to start one server: the command (run from the repository root) and its arguments. */
export interface ServerCommand {
  cmd: string;
  args: string[];
}

/** A server that is up. */
export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** Sends one line to the server's stdin (the idle benchmark's control channel). */
  send(line: string): void;
  /** Resolves with the next stdout line that parses as a JSON object (bounded by `timeoutMs`). */
  nextJson(timeoutMs: number): Promise<Record<string, unknown>>;
  /** The last lines the server wrote to stderr. */
  stderrTail(): string;
  /** True while the process runs. */
  readonly alive: boolean;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
}

/** The outcome of `startServer`. */
export type StartResult = { ok: true; server: RunningServer } | { ok: false; reason: string };

/** Starts `command` pinned to `cpu` and waits until it listens on `port`. */
export async function startServer(command: ServerCommand, port: number, cpu = 0): Promise<StartResult> {
  const [cmd, args] = pinned(cpu, command.cmd, command.args);
  const child = spawnTracked(cmd, args);
  const stderr: string[] = [];
  const jsonLines: Record<string, unknown>[] = [];
  const jsonWaiters: ((v: Record<string, unknown>) => void)[] = [];
  let listening = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const l of chunk.split('\n')) if (l.trim() !== '') stderr.push(l.trimEnd());
    if (stderr.length > 40) stderr.splice(0, stderr.length - 40);
  });
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    if (/listening on \S+:\d+/.test(line)) listening = true;
    const t = line.trim();
    if (!t.startsWith('{')) return;
    try {
      const v = JSON.parse(t) as Record<string, unknown>;
      const w = jsonWaiters.shift();
      if (w) w(v);
      else jsonLines.push(v);
    } catch {
      // not a control reply: ignore
    }
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const tail = () => stderr.slice(-3).join(' | ') || '(no output on stderr)';
  // Why it did not start: the first line that reads like an error (a usage text or stack
  // trace follows it), else the first line.
  const why = () => {
    const line = stderr.find((l) => /error|unknown|cannot|not found|no such|does not/i.test(l)) ?? stderr[0];
    return line === undefined ? '(no output on stderr)' : line.trim().slice(0, 200);
  };

  const deadline = performance.now() + READY_TIMEOUT_MS;
  let nextProbe = performance.now() + 300;
  while (!listening) {
    if (hasExited || child.pid === undefined) {
      return { ok: false, reason: `exited before listening (code ${child.exitCode}): ${why()}` };
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      return { ok: false, reason: `not listening after ${READY_TIMEOUT_MS / 1000} s: ${why()}` };
    }
    if (performance.now() >= nextProbe) {
      if (await canConnect(port)) break;
      nextProbe = performance.now() + 200;
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const server: RunningServer = {
    pid: child.pid!,
    port,
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
    nextJson(timeoutMs) {
      const ready = jsonLines.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = jsonWaiters.indexOf(w);
          if (i >= 0) jsonWaiters.splice(i, 1);
          reject(new Error(`no reply from pid ${child.pid} within ${timeoutMs} ms: ${tail()}`));
        }, timeoutMs);
        const w = (v: Record<string, unknown>) => {
          clearTimeout(t);
          resolve(v);
        };
        jsonWaiters.push(w);
      });
    },
    stderrTail: tail,
    get alive() {
      return !hasExited;
    },
    async stop() {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      rl.close();
    },
  };
  return { ok: true, server };
}
