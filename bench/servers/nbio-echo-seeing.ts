/**
 * The B1 nbio echo server (Transport/Protocol, epoll guest mode, like `nbio echo`) with the
 * seeing tools in one of four states, for bench/seeing.ts:
 * `--tools off | recorder | watchdog | both` (recorder: a ring of 1000 iterations; watchdog:
 * the default 100 ms threshold). Prints `listening on <host>:<port>`; stops on SIGTERM.
 *
 * @module
 */
import { EchoProtocol } from '../../src/cli/echo.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { Watchdog } from '../../src/loop/watchdog.ts';
import { createServer } from '../../src/net/listener.ts';
import { describe } from '../../src/sys/socket.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const tools = arg('--tools', 'off');
const port = Number(arg('--port', '7000'));
const loop = new EventLoop({ selector: 'epoll' });
if (tools === 'recorder' || tools === 'both') loop.recorder.enable(1000);
const dog = tools === 'watchdog' || tools === 'both' ? await Watchdog.start(loop, { print: true }) : null;
const server = createServer(loop, () => new EchoProtocol(), { host: '127.0.0.1', port });
const stop = () => {
  server.close();
  server.closeConnections(true);
  void dog?.stop();
  loop.stop();
};
loop.addSignalHandler('SIGTERM', stop);
loop.addSignalHandler('SIGINT', stop);
console.log(`listening on ${describe(server.address())}`);
await loop.run();
loop.close();
