/**
 * The B1 nbio echo server (Transport/Protocol, epoll guest mode, like `nbio echo`) with the
 * seeing tools in one of four states, for bench/seeing.ts:
 * `--tools off | recorder | watchdog | both` (recorder: a ring of 1000 iterations; watchdog:
 * the default 100 ms threshold). Prints `listening on <host>:<port>`; stops on SIGTERM.
 *
 * `--toggle-ms N` (with `--tools off`): one server whose recorder (or, with `--toggle-part`, one
 * part of its cost) is turned on and off every
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
import type { CallbackProbe } from '../../src/loop/callback-probe.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { nowMs } from '../../src/loop/recorder-clock.ts';
import { Watchdog } from '../../src/loop/watchdog.ts';
import { createServer } from '../../src/net/listener.ts';
import { describe } from '../../src/sys/socket.ts';
import { startCountingSyscalls } from '../../src/sys/syscall-counter.ts';

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
/**
 * What `--toggle-ms` turns on and off (`--toggle-part`): the whole recorder (default), or one of
 * the parts its cost is made of, alone — `syscalls`: the process-wide system-call counter;
 * `probe`: a callback probe that does nothing (the loop's calls around each callback); `probe-clock`:
 * a probe reading the recorder's clock once per callback, as the recorder does.
 */
const part = arg('--toggle-part', 'recorder');
let stopCounting: (() => void) | null = null;
let probeOn = false;
const emptyProbe: CallbackProbe = { begin() {}, end() {} };
/** Keeps the time it reads, as the recorder keeps each callback's end. */
const clockProbe: CallbackProbe & { lastMs: number } = {
  lastMs: 0,
  begin() {},
  end() {
    this.lastMs = nowMs();
  },
};
const partOn = (): boolean =>
  part === 'recorder' ? loop.recorder.enabled : part === 'syscalls' ? stopCounting !== null : probeOn;
function togglePart(): void {
  if (part === 'recorder') {
    if (loop.recorder.enabled) loop.recorder.disable();
    else loop.recorder.enable(1000);
  } else if (part === 'syscalls') {
    if (stopCounting === null) stopCounting = startCountingSyscalls();
    else {
      stopCounting();
      stopCounting = null;
    }
  } else {
    probeOn = !probeOn;
    loop.setWatchdogProbe(probeOn ? (part === 'probe' ? emptyProbe : clockProbe) : null);
  }
}
if (toggleMs > 0) {
  const phases: { on: boolean; cpuUs: number; bytes: number }[] = [];
  let cpu = process.cpuUsage();
  let from = bytes;
  const timer = setInterval(() => {
    const c = process.cpuUsage(cpu);
    phases.push({ on: partOn(), cpuUs: c.user + c.system, bytes: bytes - from });
    togglePart();
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
