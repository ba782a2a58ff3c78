/**
 * B3 peer: Node's own `http` server with the B3 routes (`GET /`, `GET /big`, `POST /echo`).
 * With `--compat`, the same `http` server is fed connections accepted by nbio's `net`-compatible
 * server (src/compat) on nbio's loop.
 *
 *   node --import tsx bench/servers/http-node.ts --port <p> [--compat]
 *
 * @module
 */
import http from 'node:http';
import { createServer as compatServer } from '../../src/compat/server.ts';

const i = process.argv.indexOf('--port');
const port = Number(i >= 0 ? process.argv[i + 1] : 8080);
const BIG = Buffer.alloc(100 * 1024, 0x62);

const server = http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello world');
  } else if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(BIG);
  } else if (req.url === '/echo') {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.concat(parts));
    });
  } else {
    res.writeHead(404);
    res.end();
  }
});

if (process.argv.includes('--compat')) {
  const listener = compatServer((socket) => server.emit('connection', socket));
  listener.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
  process.on('SIGTERM', () => process.exit(0));
} else {
  server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
  process.on('SIGTERM', () => process.exit(0));
}
