// Test support for the trace tests: an nbio echo server with a few stream clients on loopback,
// bounded in count and time. Run as a program (`node --import tsx src/trace/test-support.ts
// [backend] [clients] [rounds]`) it is the workload a trace is taken of: NBIO_TRACE in its
// environment makes the loop write the file.
import { openConnection } from '../async/open-connection.ts';
import { startServer } from '../async/stream-server.ts';
import { EventLoop } from '../loop/event-loop.ts';
import type { SelectorName } from '../selector/selector.ts';

/** Runs `clients` connections × `rounds` echo round trips against an nbio echo server. */
export async function echoUnderLoad(loop: EventLoop, clients: number, rounds: number): Promise<number> {
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
  const { port } = server.address() as { port: number };
  let trips = 0;
  const client = async (i: number) => {
    const [reader, writer] = await openConnection(loop, { host: '127.0.0.1', port });
    for (let r = 0; r < rounds; r++) {
      writer.write(`client ${i} round ${r}\n`);
      await reader.readLine();
      trips++;
    }
    writer.close();
    await writer.waitClosed();
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  server.close();
  return trips;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const backend = (process.argv[2] ?? 'epoll') as SelectorName;
  const loop = new EventLoop({ selector: backend });
  const trips = await loop.runUntilComplete(() =>
    echoUnderLoad(loop, Number(process.argv[3] ?? 8), Number(process.argv[4] ?? 40)),
  );
  loop.close();
  console.log(`round trips: ${trips}`);
}
