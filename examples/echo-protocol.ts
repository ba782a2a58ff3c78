// An echo server in the Transport/Protocol style (asyncio, Twisted): the protocol only says
// what to do with bytes; the transport does the non-blocking reads, buffered writes and close.
// Run: npx tsx examples/echo-protocol.ts [port]
import { createServer, EventLoop, type Protocol, type Transport } from 'nbio';
import { socket } from 'nbio/sys';

class Echo implements Protocol {
  #transport!: Transport;
  connectionMade(transport: Transport): void {
    this.#transport = transport;
  }
  dataReceived(data: Buffer): void {
    this.#transport.write(data);
  }
  pauseWriting(): void {
    this.#transport.pauseReading(); // the peer reads slowly: stop reading until it catches up
  }
  resumeWriting(): void {
    this.#transport.resumeReading();
  }
}

const loop = new EventLoop();
const server = createServer(loop, () => new Echo(), {
  host: '127.0.0.1',
  port: Number(process.argv[2] ?? 7002),
});
const stop = () => {
  server.close();
  server.closeConnections();
  loop.stop();
};
loop.addSignalHandler('SIGINT', stop);
loop.addSignalHandler('SIGTERM', stop);
console.log(`listening on ${socket.describe(server.address())}; Ctrl-C stops`);
await loop.run();
loop.close();
