/**
 * The B1 nbio echo server (Transport/Protocol, epoll guest mode, like `nbio echo`) with the
 * seeing tools in one of four states, for bench/seeing.ts:
 * `--tools off | recorder | watchdog | both` (recorder: a ring of 1000 iterations; watchdog:
 * the default 100 ms threshold). Prints `listening on <host>:<port>`; stops on SIGTERM.
 *
 * `--toggle-ms N` (with `--tools recorder`): one server whose recorder is turned on and off every
 * N ms of Node's own timers (between two iterations of the guest loop), each phase's CPU time
 * (`process.cpuUsage`) and bytes received kept; the line `mark` on stdin notes the number of the
 * phase running then (the load starts, the load has ended), and the line `phases` answers
 * `{"reply":"phases","phases":[{"on":…,"cpuUs":…,"bytes":…},…],"marks":[…]}`
 * (bench/seeing-toggled.ts compares neighbouring phases between the marks: the same process,
 * connections and load, with and without the recorder).
 *
 * @module
 */
import { createInterface } from 'node:readline';
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
const toggleMs = Number(arg('--toggle-ms', '0'));
let bytes = 0;
/** The echo protocol, counting what it receives (round trips = bytes / message size). */
class CountingEcho extends EchoProtocol {
  override dataReceived(data: Buffer): void {
    bytes += data.length;
    super.dataReceived(data);
  }
}
const server = createServer(loop, () => (toggleMs > 0 ? new CountingEcho() : new EchoProtocol()), {
  host: '127.0.0.1',
  port,
});
if (toggleMs > 0) {
  const phases: { on: boolean; cpuUs: number; bytes: number }[] = [];
  let cpu = process.cpuUsage();
  let from = bytes;
  const timer = setInterval(() => {
    const c = process.cpuUsage(cpu);
    phases.push({ on: loop.recorder.enabled, cpuUs: c.user + c.system, bytes: bytes - from });
    if (loop.recorder.enabled) loop.recorder.disable();
    else loop.recorder.enable(1000);
    cpu = process.cpuUsage();
    from = bytes;
  }, toggleMs);
  const rl = createInterface({ input: process.stdin });
  const marks: number[] = [];
  rl.on('line', (line) => {
    const command = line.trim();
    if (command === 'mark') marks.push(phases.length);
    if (command === 'phases') process.stdout.write(`${JSON.stringify({ reply: 'phases', phases, marks })}\n`);
  });
  loop.onClose(() => {
    clearInterval(timer);
    rl.close();
  });
}
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
