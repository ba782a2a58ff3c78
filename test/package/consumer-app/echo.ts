// A consumer of the installed package, in TypeScript: type-checked by test/package/consumer.test.ts
// under nodenext + strict + exactOptionalPropertyTypes + noUncheckedIndexedAccess with
// skipLibCheck off (TypeScript 5.9 and 7), then compiled and run with plain node: an echo round
// trip through nbio on loopback. It prints one JSON line the test checks.
import { EventLoop, type NbioError, openConnection, type SocketAddress, startServer } from 'nbio';
import { createConnection as netCreateConnection } from 'nbio/compat';
import { IOLoop } from 'nbio/tornado';
import { Deferred } from 'nbio/twisted';

function portOf(address: SocketAddress): number {
  if (address.family === 'unix') throw new Error('expected a TCP address');
  return address.port;
}

const loop = new EventLoop();
const server = await startServer(
  loop,
  async (reader, writer) => {
    for await (const chunk of reader) {
      writer.write(chunk);
      await writer.drain();
    }
    writer.close();
  },
  { host: '127.0.0.1', port: 0 },
);
const [reader, writer] = await openConnection(loop, {
  host: '127.0.0.1',
  port: portOf(server.address()),
  timeoutMs: 5_000,
});
writer.write('hello from a consumer\n');
const line = (await reader.readLine()).toString();
writer.close();
await writer.waitClosed();
server.close();
await server.waitClosed();
loop.close();

const error: NbioError | undefined = undefined;
const d = new Deferred<string>();
const types = [typeof netCreateConnection, typeof IOLoop, typeof d.addCallback, typeof error];
console.log(JSON.stringify({ line, backend: loop.selector.capabilities.name, types }));
