/**
 * B3 server: nbio's HTTP server with the routes every B3 peer has — `GET /` hello world,
 * `GET /big` 100 KiB, `POST /echo` the body back. `--api raw` is the low-level `serveRaw`
 * `--api light` the fetch-shaped `serve()` with its default (the global `Response` is nbio's
 * `LightResponse` while it runs; what `nbio http` runs), `--api fetch` the same handler with
 * `overrideGlobalObjects: false` (Node's own `Response`), `--api plain` the same returning
 * `PlainResponse`s.
 *
 *   node --import tsx bench/servers/http-nbio.ts --api raw|fetch|light|plain --port <p> [--backend b]
 *
 * @module
 */
import { serve, serveRaw } from '../../src/http/server/http-server.ts';
import { PlainResponse } from '../../src/http/server/plain-response.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import type { SelectorName } from '../../src/selector/selector.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const api = arg('api', 'raw');
const port = Number(arg('port', '8080'));
const loop = new EventLoop({ selector: arg('backend', 'epoll') as SelectorName });
const BIG = Buffer.alloc(100 * 1024, 0x62);
const TEXT = { 'content-type': 'text/plain' };
const BYTES = { 'content-type': 'application/octet-stream' };
const options = { host: '127.0.0.1', port };

const server =
  api === 'raw'
    ? serveRaw(
        loop,
        async ({ head, body, response }) => {
          if (head.target === '/') {
            response.writeHead(200, TEXT);
            response.end('hello world');
          } else if (head.target === '/big') {
            response.writeHead(200, BYTES);
            response.end(BIG);
          } else if (head.target === '/echo') {
            response.writeHead(200, BYTES);
            response.end(await body.readAll());
          } else {
            response.writeHead(404);
            response.end();
          }
        },
        options,
      )
    : api === 'fetch' || api === 'light'
      ? serve(
          loop,
          async (req) => {
            const path = req.url.slice(req.url.indexOf('/', 8));
            if (path === '/') return new Response('hello world', { headers: TEXT });
            if (path === '/big') return new Response(BIG, { headers: BYTES });
            if (path === '/echo') return new Response(await req.arrayBuffer(), { headers: BYTES });
            return new Response(null, { status: 404 });
          },
          { ...options, overrideGlobalObjects: api === 'light' },
        )
      : serve(
          loop,
          async (req) => {
            const path = req.head.target;
            if (path === '/') return new PlainResponse('hello world', { headers: TEXT });
            if (path === '/big') return new PlainResponse(BIG, { headers: BYTES });
            if (path === '/echo') return new PlainResponse(await req.bytes(), { headers: BYTES });
            return new PlainResponse(null, { status: 404 });
          },
          options,
        );

const stop = (): void => {
  void server.close({ timeoutMs: 500 }).then(() => loop.stop());
};
loop.addSignalHandler('SIGTERM', stop);
loop.addSignalHandler('SIGINT', stop);
console.log(`listening on 127.0.0.1:${server.port}`);
await loop.run();
loop.close();
