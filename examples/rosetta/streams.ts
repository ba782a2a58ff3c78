// The chat server with async/await streams (asyncio's start_server): each connection is one
// async function that reads a line, acts on it, and reads the next; `await` is where it waits
// while the loop serves everybody else.
// Run: npx tsx examples/rosetta/streams.ts [port]     Protocol: see ./chat-server.ts
import {
  BrokenResourceError,
  type EventLoop,
  IncompleteReadError,
  LimitOverrunError,
  type StreamWriter,
  startServer,
} from 'nbio';
import { type ChatServer, IoMeter, MAX_LINE, runIfMain } from './chat-server.ts';

/** Starts the chat server on 127.0.0.1:`port` (0: any free port). */
export async function start(loop: EventLoop, port: number): Promise<ChatServer> {
  const members = new Set<StreamWriter>();
  const meter = new IoMeter();
  let guests = 0;
  const broadcast = (from: StreamWriter, text: string) => {
    for (const w of members) if (w !== from && !w.isClosing()) w.write(text);
  };

  const server = await startServer(
    loop,
    async (reader, writer) => {
      meter.track(writer.transport);
      let name = `guest${++guests}`;
      members.add(writer);
      writer.write(`welcome ${name}\n`);
      try {
        for (;;) {
          const line = (await reader.readUntil('\n', { limit: MAX_LINE + 1 })).subarray(0, -1).toString();
          if (line === '/quit') {
            writer.write('bye\n');
            break;
          }
          if (line.startsWith('/nick ')) {
            name = line.slice(6);
            writer.write(`you are ${name}\n`);
          } else broadcast(writer, `${name}: ${line}\n`);
        }
      } catch (err) {
        if (err instanceof LimitOverrunError) writer.write('error: line too long\n');
        else if (!(err instanceof IncompleteReadError || err instanceof BrokenResourceError)) throw err;
        // else the client went away (EOF, or a reset)
      } finally {
        members.delete(writer);
        broadcast(writer, `* ${name} left\n`);
        writer.close();
      }
    },
    { host: '127.0.0.1', port },
  );
  const address = server.address();
  return {
    port: address.family === 'unix' ? port : address.port,
    close() {
      server.close();
      server.abortClients();
    },
    ioCalls: () => meter.calls(),
  };
}

await runIfMain(import.meta.url, start);
