/**
 * `nbio http --port <n> [--host h] [--backend b]`: an HTTP/1.1 server anyone can point a client
 * at. `GET /` → 200 `hello world` (text/plain); `POST` or `PUT /echo` → 200 with the request
 * body echoed byte for byte (Content-Length or chunked in, streamed back with backpressure);
 * anything else 404. Prints `listening on http://<host>:<port>/`; stops gracefully on
 * SIGINT/SIGTERM.
 *
 * @module
 */
import type { Exchange } from '../http/server/http-connection.ts';
import { serveRaw } from '../http/server/http-server.ts';
import { EventLoop } from '../loop/event-loop.ts';
import { allBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import {
  type Command,
  type CommandSpec,
  type Flags,
  formatUsage,
  HELP,
  parseArgs,
  UsageError,
} from './args.ts';
import { HOST_FLAG, resolveListenHost } from './listen-host.ts';

const httpSpec = {
  name: 'http',
  summary: 'an HTTP/1.1 server: GET / → hello world, POST/PUT /echo → the body back (Ctrl-C stops it)',
  flags: {
    backend: { type: 'choice', choices: allBackends, help: 'selector backend (default: the best here)' },
    host: HOST_FLAG,
    port: { type: 'int', min: 0, max: 65535, default: 8080, help: 'TCP port; 0 picks a free one' },
  },
} as const satisfies CommandSpec<Flags>;

/** Parsed `nbio http` options. */
export interface HttpCliOptions {
  backend?: SelectorName;
  port: number;
  host: string;
}

/**
 * Parses `--port n --host h --backend b`.
 * @throws UsageError (an InvalidArgumentError) naming the flag; also for `--help`, which only
 *   the command itself answers
 */
export function parseHttpArgs(argv: readonly string[]): HttpCliOptions {
  const parsed = parseArgs(httpSpec, argv);
  if (parsed === HELP) throw new UsageError('--help: run nbio http --help.', formatUsage(httpSpec));
  const { backend, host, port } = parsed.values;
  return backend === undefined ? { host, port } : { backend, host, port };
}

const HELLO = 'hello world';

/** The handler of `nbio http` (low-level API: the fast path). */
export function helloEchoHandler(ex: Exchange): void | Promise<void> {
  const { head, response } = ex;
  const path = head.target;
  if (path === '/' && (head.method === 'GET' || head.method === 'HEAD')) {
    response.writeHead(200, [['content-type', 'text/plain']]);
    response.end(HELLO);
    return;
  }
  if (path === '/echo' && (head.method === 'POST' || head.method === 'PUT')) return echoBody(ex);
  response.writeHead(404, [['content-type', 'text/plain']]);
  response.end('not found\n');
}

async function echoBody({ head, body, response }: Exchange): Promise<void> {
  const type = head.headers.get('content-type') ?? 'application/octet-stream';
  if (head.framing === 'length')
    response.writeHead(200, [
      ['content-type', type],
      ['content-length', String(head.contentLength)],
    ]);
  else response.writeHead(200, [['content-type', type]]);
  for (let c = await body.read(); c !== null; c = await body.read()) {
    if (!response.write(c)) await response.drain();
  }
  response.end();
}

/** Runs the server until SIGINT/SIGTERM. Resolves with the exit code. */
export async function http(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(httpSpec, argv);
  if (parsed === HELP) {
    console.log(formatUsage(httpSpec));
    return 0;
  }
  const opts = parsed.values;
  const loop = new EventLoop(opts.backend ? { selector: opts.backend } : {});
  let server: ReturnType<typeof serveRaw>;
  try {
    const host = await resolveListenHost(loop, opts.host);
    server = serveRaw(loop, helloEchoHandler, { host, port: opts.port });
  } catch (err) {
    loop.close();
    throw err;
  }
  const stop = (signal: NodeJS.Signals): void => {
    console.error(`nbio http: ${signal}, closing (${server.stats().connections} connections open)`);
    void server.close({ timeoutMs: 2000 }).then(() => loop.stop());
  };
  loop.addSignalHandler('SIGINT', stop);
  loop.addSignalHandler('SIGTERM', stop);
  const a = server.address();
  const host = a.family === 'ipv6' ? `[${a.address}]` : a.family === 'ipv4' ? a.address : 'localhost';
  console.log(`listening on http://${host}:${server.port}/`);
  console.error(
    `nbio http: ${loop.selector.capabilities.name} selector, ${loop.mode} mode, pid ${process.pid}`,
  );
  await loop.run();
  loop.close();
  return 0;
}

/** `nbio http` as main.ts runs it. */
export const httpCommand: Command = {
  name: httpSpec.name,
  summary: httpSpec.summary,
  usage: formatUsage(httpSpec),
  run: (argv) => http(argv),
};
