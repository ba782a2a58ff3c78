/**
 * The Node `net` echo server: the baseline every TypeScript user compares with. Written the way
 * a Node user writes it: `socket.pipe(socket)` (echo with flow control), Nagle off.
 *
 * usage: node --import tsx bench/servers/node-net-echo.ts --port N [--host 127.0.0.1] [--control]
 * Prints "listening on <host>:<port>"; stops on SIGINT/SIGTERM. `--control` answers the idle
 * benchmark's commands on stdin (see control.ts).
 *
 * @module
 */
import { createServer, type Socket } from 'node:net';
import { argValue, attachControl } from './control.ts';

const argv = process.argv.slice(2);
const host = argValue(argv, 'host', '127.0.0.1');
const port = Number(argValue(argv, 'port', '0'));
let open = 0;

const server = createServer((socket: Socket) => {
  open++;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy()); // a peer reset is not the server's failure
  socket.on('close', () => open--);
  socket.pipe(socket);
});
server.listen({ host, port, backlog: 4096 }, () => {
  const addr = server.address();
  console.log(`listening on ${host}:${typeof addr === 'object' && addr ? addr.port : port}`);
});
if (argv.includes('--control')) attachControl(() => open);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
