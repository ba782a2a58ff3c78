/**
 * The nbio echo server of the idle benchmark (B4): `createServer` from src/net/listener.ts
 * with an echo Protocol, on the default loop (epoll, guest mode), answering the control
 * commands of control.ts on stdin (memory after GC, event-loop lag).
 *
 * usage: node --expose-gc --import tsx bench/servers/nbio-idle-server.ts --port N [--host h]
 * Prints "listening on <host>:<port>"; stops on SIGINT/SIGTERM. Exits with a message on
 * stderr when the nbio TCP server does not exist yet (the benchmark then skips the row).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { EventLoop } from '../../src/loop/event-loop.ts';
import type { Protocol } from '../../src/net/protocol.ts';
import type { Transport } from '../../src/net/transport.ts';
import { argValue, attachControl } from './control.ts';

/** The part of src/net/listener.ts this server uses. */
interface ListenerModule {
  createServer(
    loop: EventLoop,
    protocolFactory: () => Protocol,
    options: { host: string; port: number; backlog?: number },
  ): { close?(): void };
}

const argv = process.argv.slice(2);
const host = argValue(argv, 'host', '127.0.0.1');
const port = Number(argValue(argv, 'port', '0'));

const listenerUrl = new URL('../../src/net/listener.ts', import.meta.url);
if (!existsSync(listenerUrl)) {
  console.error('src/net/listener.ts does not exist yet (the nbio TCP server, createServer)');
  process.exit(1);
}
const listener = (await import(listenerUrl.href)) as Partial<ListenerModule>;
if (typeof listener.createServer !== 'function') {
  console.error('src/net/listener.ts does not export createServer(loop, protocolFactory, options) yet');
  process.exit(1);
}

let open = 0;
const loop = new EventLoop();
const server = listener.createServer(
  loop,
  () => {
    let transport: Transport | null = null;
    return {
      connectionMade(t: Transport) {
        transport = t;
        open++;
      },
      dataReceived(data: Buffer) {
        transport?.write(data);
      },
      connectionLost() {
        open--;
      },
    };
  },
  { host, port, backlog: 4096 },
);
console.log(`listening on ${host}:${port}`);
attachControl(() => open);
void loop.run();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    server.close?.();
    loop.stop();
    process.exit(0);
  });
}
