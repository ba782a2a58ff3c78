// The chat server as Node code written for `net`: createServer, sockets as Duplex streams with
// 'data' and 'close' events, write() and end() — running unchanged on nbio's sockets and loop
// through src/compat/ (gevent's promise). Only the import line and the `{ loop }` option say nbio.
// Run: npx tsx examples/rosetta/compat-net.ts [port]     Protocol: see ./chat-server.ts
import type { EventLoop } from 'nbio';
import { createServer, type Socket } from 'nbio/compat';
import { type ChatServer, IoMeter, MAX_LINE, runIfMain } from './chat-server.ts';

/** Starts the chat server on 127.0.0.1:`port` (0: any free port). */
export function start(loop: EventLoop, port: number): Promise<ChatServer> {
  const sockets = new Set<Socket>(); // every open connection
  const members = new Set<Socket>(); // those still in the chat
  const meter = new IoMeter();
  let guests = 0;
  const broadcast = (from: Socket, text: string) => {
    for (const s of members) if (s !== from) s.write(text);
  };

  const server = createServer({ loop }, (socket) => {
    meter.track(socket.transport!);
    let name = `guest${++guests}`;
    let pending = '';
    const leave = () => {
      if (members.delete(socket)) broadcast(socket, `* ${name} left\n`);
    };
    const hangUp = (lastWords: string) => {
      socket.end(lastWords);
      leave();
    };
    sockets.add(socket);
    members.add(socket);
    socket.setEncoding('utf8');
    socket.write(`welcome ${name}\n`);
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0 && members.has(socket); nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (Buffer.byteLength(line) > MAX_LINE) hangUp('error: line too long\n');
        else if (line === '/quit') hangUp('bye\n');
        else if (line.startsWith('/nick ')) {
          name = line.slice(6);
          socket.write(`you are ${name}\n`);
        } else broadcast(socket, `${name}: ${line}\n`);
      }
      if (members.has(socket) && Buffer.byteLength(pending) > MAX_LINE) hangUp('error: line too long\n');
    });
    socket.on('error', () => {}); // a reset connection: 'close' follows
    socket.on('close', () => {
      sockets.delete(socket);
      leave();
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        close() {
          server.close();
          for (const s of sockets) s.destroy();
        },
        ioCalls: () => meter.calls(),
      });
    });
  });
}

await runIfMain(import.meta.url, start);
