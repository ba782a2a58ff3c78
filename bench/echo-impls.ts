/**
 * The echo servers B1 measures, and the shapes it measures them in. Each server is a command
 * (run from the repository root, pinned to core 0 by the harness) that takes a port, prints
 * `listening on <host>:<port>` when ready and stops on SIGTERM. A row whose command or package
 * is missing is skipped with the reason printed, so the harness runs before every server exists.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCProgram, PYTHON } from './lib/peers.ts';
import { ROOT } from './lib/results.ts';
import type { ServerCommand } from './lib/server-process.ts';

/** One echo server of the comparison. */
export interface EchoImpl {
  /** Row name in the results. */
  readonly name: string;
  /** What it is, for the report. */
  readonly description: string;
  /** Python peers run only in the 64 B, 50/500 connection shapes (the suite's time budget). */
  readonly python: boolean;
  /** The Python module it needs (checked, and installed from Debian when missing). */
  readonly pythonModule?: string;
  /** The command that serves on `port`. */
  command(port: number): ServerCommand;
  /** Why it cannot run here before even starting it (a missing file), or null. */
  precheck(): string | null;
}

const node = (script: string, args: string[]): ServerCommand => ({
  cmd: process.execPath,
  args: ['--import', 'tsx', script, ...args],
});
const fileMissing = (rel: string): string | null =>
  existsSync(join(ROOT, rel)) ? null : `${rel} does not exist yet`;
const py = (
  name: string,
  description: string,
  script: string,
  extra: string[],
  module: string,
): EchoImpl => ({
  name,
  description,
  python: true,
  pythonModule: module,
  command: (port) => ({ cmd: PYTHON, args: [`bench/servers/${script}`, ...extra, '--port', String(port)] }),
  precheck: () => fileMissing(`bench/servers/${script}`),
});

/** Every echo server, ours first. */
export const ECHO_IMPLS: readonly EchoImpl[] = [
  {
    name: 'nbio',
    description: '`nbio echo --backend epoll` (Transport/Protocol, guest mode)',
    python: false,
    command: (port) =>
      node('src/cli/main.ts', ['echo', '--backend', 'epoll', '--port', String(port), '--host', '127.0.0.1']),
    precheck: () => fileMissing('src/cli/main.ts'),
  },
  {
    name: 'nbio-streams',
    description: '`examples/echo-streams.ts` (async/await streams)',
    python: false,
    command: (port) => node('examples/echo-streams.ts', [String(port)]),
    precheck: () => fileMissing('examples/echo-streams.ts'),
  },
  {
    name: 'node-net',
    description: "Node's `net`: `socket.pipe(socket)` (bench/servers/node-net-echo.ts)",
    python: false,
    command: (port) => node('bench/servers/node-net-echo.ts', ['--port', String(port)]),
    precheck: () => null,
  },
  {
    name: 'c-epoll',
    description: 'plain C epoll server, `cc -O2` (bench/c/echo-server.c): the physical reference',
    python: false,
    command: (port) => ({ cmd: ensureCProgram('echo-server'), args: ['--port', String(port)] }),
    precheck: () => null,
  },
  {
    name: 'nbio-uring',
    description:
      '`nbio echo --backend io_uring` (Transport/Protocol, guest mode, completion-native transport)',
    python: false,
    command: (port) =>
      node('src/cli/main.ts', [
        'echo',
        '--backend',
        'io_uring',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ]),
    precheck: () => fileMissing('src/net/uring-transport.ts'),
  },
  {
    name: 'nbio-uring-owner',
    description:
      '`nbio echo --backend io_uring --mode owner` (the loop owns the thread: each iteration submits and waits in one `io_uring_enter`)',
    python: false,
    command: (port) =>
      node('src/cli/main.ts', [
        'echo',
        '--backend',
        'io_uring',
        '--mode',
        'owner',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ]),
    precheck: () => fileMissing('src/net/uring-transport.ts'),
  },
  {
    name: 'c-uring',
    description:
      'plain C io_uring server on liburing 2.3, `cc -O2 -luring` (bench/c/uring-echo-server.c): the completion reference',
    python: false,
    command: (port) => ({ cmd: ensureCProgram('uring-echo-server'), args: ['--port', String(port)] }),
    precheck: () => {
      try {
        ensureCProgram('uring-echo-server');
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    },
  },
  {
    name: 'bare-koffi',
    description: 'bare koffi epoll loop, guest mode, no nbio layers (bench/bare-koffi-echo.ts): the floor',
    python: false,
    command: (port) => node('bench/bare-koffi-echo.ts', ['--port', String(port)]),
    precheck: () => null,
  },
  py('asyncio', 'asyncio.Protocol, default loop', 'asyncio-echo.py', ['--flavor', 'protocol'], 'asyncio'),
  py(
    'asyncio-streams',
    'asyncio streams (reader/writer + drain)',
    'asyncio-echo.py',
    ['--flavor', 'streams'],
    'asyncio',
  ),
  py('uvloop', 'asyncio.Protocol on uvloop', 'asyncio-echo.py', ['--flavor', 'uvloop'], 'uvloop'),
  py('tornado', 'Tornado TCPServer + IOStream', 'tornado-echo.py', [], 'tornado'),
  py('twisted', 'Twisted Protocol, default (epoll) reactor', 'twisted-echo.py', [], 'twisted'),
  py('gevent', 'gevent StreamServer, greenlet per connection', 'gevent-echo.py', [], 'gevent'),
];

/** One configuration of the matrix. */
export interface EchoShape {
  msgBytes: number;
  conns: number;
  inFlight: number;
}

/** "64B c50 f1". */
export function shapeLabel(s: EchoShape): string {
  const size = s.msgBytes >= 1024 ? `${s.msgBytes / 1024}KiB` : `${s.msgBytes}B`;
  return `${size} c${s.conns} f${s.inFlight}`;
}

/** The main configuration (the one `--quick` runs and the targets are stated for). */
export const MAIN_SHAPE: EchoShape = { msgBytes: 64, conns: 50, inFlight: 1 };

/** Whether the Python peers run in `s`: 64 B, 50 or 500 connections, one in flight. */
export function pythonShape(s: EchoShape): boolean {
  return s.msgBytes === 64 && (s.conns === 50 || s.conns === 500) && s.inFlight === 1;
}

/** The full matrix: 64 B, 1 KiB, 16 KiB × 1, 50, 500 connections × 1 and 16 in flight. */
export function allShapes(): EchoShape[] {
  const out: EchoShape[] = [];
  for (const msgBytes of [64, 1024, 16384])
    for (const conns of [1, 50, 500]) for (const inFlight of [1, 16]) out.push({ msgBytes, conns, inFlight });
  return out;
}
