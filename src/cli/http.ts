/**
 * `nbio http --port <n> [--host h] [--backend b]`: an HTTP/1.1 server anyone can point a client
 * at. `GET /` → 200 `hello world` (text/plain); `POST` or `PUT /echo` → 200 with the request
 * body echoed byte for byte (Content-Length or chunked in, streamed back with backpressure);
 * anything else 404. Prints `listening on http://<host>:<port>/`; stops gracefully on
 * SIGINT/SIGTERM.
 *
 * @module
 */
import { serve } from '../http/server/http-server.ts';
import type { ServerRequest } from '../http/server/server-request.ts';
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
const TEXT = { 'content-type': 'text/plain' };

/**
 * The handler of `nbio http`: fetch-shaped, as a user writes one for {@link serve} (whose default
 * makes `new Response(...)` a LightResponse). A body with a Content-Length is read whole and
 * sent back with its length; a chunked one is streamed back (chunked) with backpressure.
 */
export function helloEchoHandler(req: ServerRequest): Response | Promise<Response> {
  const path = req.head.target;
  const method = req.method;
  if (path === '/' && (method === 'GET' || method === 'HEAD')) return new Response(HELLO, { headers: TEXT });
  if (path === '/echo' && (method === 'POST' || method === 'PUT')) {
    const headers = { 'content-type': req.headerList.get('content-type') ?? 'application/octet-stream' };
    if (req.head.framing !== 'length') return new Response(req.body, { headers });
    return req.bytes().then((body) => new Response(body, { headers }));
  }
  return new Response('not found\n', { status: 404, headers: TEXT });
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
  let server: ReturnType<typeof serve>;
  try {
    const host = await resolveListenHost(loop, opts.host);
    server = serve(loop, helloEchoHandler, { host, port: opts.port });
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
