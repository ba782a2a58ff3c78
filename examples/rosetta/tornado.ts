// The chat server in the Tornado style: a TCPServer hands each connection to a generator
// coroutine as an IOStream; every `yield` of a read or a write suspends that coroutine until
// the loop resumes it (Tornado's @gen.coroutine, from before async/await).
// Run: npx tsx examples/rosetta/tornado.ts [port]     Protocol: see ./chat-server.ts
//
// One difference from the other styles: Tornado's read_until(max_bytes) closes the stream when
// the delimiter is not within max_bytes, leaving no chance to answer. So this server reads
// with the stream's own bound (1 MiB) and checks each line's length once its '\n' is in.
import { type EventLoop, NbioError } from 'nbio';
import { coroutine, type IOStream, TCPServer } from 'nbio/tornado';
import { type ChatServer, IoMeter, MAX_LINE, runIfMain } from './chat-server.ts';

/** Starts the chat server on 127.0.0.1:`port` (0: any free port). */
export async function start(loop: EventLoop, port: number): Promise<ChatServer> {
  const streams = new Set<IOStream>();
  const meter = new IoMeter();
  let guests = 0;
  const broadcast = (from: IOStream, text: string) => {
    // A client that vanished before this was flushed: its own coroutine sees the error.
    for (const s of streams) if (s !== from && !s.closed()) s.write(text).catch(() => {});
  };

  const handleStream = coroutine(loop, function* (stream: IOStream) {
    meter.track(stream.transport);
    let name = `guest${++guests}`;
    streams.add(stream);
    try {
      yield stream.write(`welcome ${name}\n`);
      for (;;) {
        const data = (yield stream.readUntil('\n')) as Buffer;
        const line = data.subarray(0, -1).toString();
        if (data.length > MAX_LINE + 1) {
          yield stream.write('error: line too long\n');
          break;
        }
        if (line === '/quit') {
          yield stream.write('bye\n');
          break;
        }
        if (line.startsWith('/nick ')) {
          name = line.slice(6);
          yield stream.write(`you are ${name}\n`);
        } else broadcast(stream, `${name}: ${line}\n`);
      }
    } catch (err) {
      if (!(err instanceof NbioError)) throw err; // else the stream closed (StreamClosedError)
    } finally {
      streams.delete(stream);
      broadcast(stream, `* ${name} left\n`);
      stream.close();
    }
  });
  const server = new TCPServer(loop, handleStream);
  server.listen(port, '127.0.0.1');
  return {
    port: server.address().port,
    close() {
      server.server?.closeConnections(true);
      server.stop();
    },
    ioCalls: () => meter.calls(),
  };
}

await runIfMain(import.meta.url, start);
