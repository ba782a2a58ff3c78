// An echo server with async/await streams (asyncio's start_server, Tornado's IOStream): each
// connection is one async function; `await writer.drain()` is the backpressure.
// Run: npx tsx examples/echo-streams.ts [port]
import { EventLoop, startServer } from 'nbio';
import { socket } from 'nbio/sys';

const loop = new EventLoop();
const server = await startServer(
  loop,
  async (reader, writer) => {
    for await (const chunk of reader) {
      writer.write(chunk);
      await writer.drain(); // waits only while the peer reads slower than it sends
    }
    writer.close(); // the peer half-closed and everything was echoed
  },
  { host: '127.0.0.1', port: Number(process.argv[2] ?? 7003) },
);
const stop = () => {
  server.close();
  server.abortClients();
  loop.stop();
};
loop.addSignalHandler('SIGINT', stop);
loop.addSignalHandler('SIGTERM', stop);
console.log(`listening on ${socket.describe(server.address())}; Ctrl-C stops`);
await loop.run();
loop.close();
