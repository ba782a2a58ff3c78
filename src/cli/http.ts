/**
 * `nbio http --port <n> [--host h] [--backend b]`: an HTTP/1.1 server anyone can point a client
 * at. `GET /` → 200 `hello world` (text/plain); `POST` or `PUT /echo` → 200 with the request
 * body echoed byte for byte (Content-Length or chunked in, streamed back with backpressure);
 * anything else 404. Prints `listening on http://<host>:<port>/`; stops gracefully on
 * SIGINT/SIGTERM.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Exchange } from '../http/server/http-connection.ts';
import { serveRaw } from '../http/server/http-server.ts';
import { EventLoop } from '../loop/event-loop.ts';
import { allBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';

/** Parsed `nbio http` options. */
export interface HttpCliOptions {
  backend?: SelectorName;
  port: number;
  host: string;
}

/** Parses `--port n --host h --backend b`. @throws InvalidArgumentError naming the flag */
export function parseHttpArgs(argv: readonly string[]): HttpCliOptions {
  const opts: HttpCliOptions = { port: 8080, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (value === undefined)
      throw new InvalidArgumentError(
        `${flag} needs a value (nbio http --port <n> [--host h] [--backend b]).`,
      );
    if (flag === '--port') {
      const port = Number(value);
      if (!/^[0-9]+$/.test(value) || port > 65535)
        throw new InvalidArgumentError(`--port must be an integer from 0 to 65535; got '${value}'.`);
      opts.port = port;
    } else if (flag === '--host') opts.host = value;
    else if (flag === '--backend') {
      if (!(allBackends as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`--backend must be one of ${allBackends.join(', ')}; got '${value}'.`);
      }
      opts.backend = value as SelectorName;
    } else throw new InvalidArgumentError(`unknown option '${flag}'. Use --port, --host or --backend.`);
  }
  return opts;
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
  const opts = parseHttpArgs(argv);
  const loop = new EventLoop(opts.backend ? { selector: opts.backend } : {});
  let server: ReturnType<typeof serveRaw>;
  try {
    server = serveRaw(loop, helloEchoHandler, { host: opts.host, port: opts.port });
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
