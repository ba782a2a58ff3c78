// The peer of the soak (bench/soak.ts): the same echo server on Node's own `net`, with the same
// interface as bench/soak-server.ts — prints `listening on 127.0.0.1:<port>`, answers SIGUSR2
// with `memory {...}` after a full GC (start it with --expose-gc), exits 0 on SIGTERM. A
// half-closed connection is echoed until its end, then closed (allowHalfOpen, as nbio echo).
import { createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stdout.write(
    `memory ${JSON.stringify({ heapUsedKb: Math.round(m.heapUsed / 1024), rssKb: Math.round(m.rss / 1024), gc: globalThis.gc !== undefined })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  for (const s of sockets) s.destroy();
  process.exit(0);
});
const sockets = new Set();
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
