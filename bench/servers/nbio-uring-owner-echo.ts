/**
 * `nbio echo` on io_uring in **owner mode**: the same EchoProtocol as `nbio echo --backend
 * io_uring`, but the loop owns the thread (`await loop.run()`): each iteration submits and waits
 * in one `io_uring_enter`, and yields one macrotask turn to Node between iterations. The guest
 * mode server (libuv waits on the ring fd, nbio submits in one `io_uring_enter` per wake) is the
 * CLI's; bench/echo-uring.ts runs both to compare them.
 *
 * The ring has the default flags (`COOP_TASKRUN | SINGLE_ISSUER`, as a guest loop's);
 * `--flags defer` sets it up for owner mode only (`new UringSelector({ mode: 'owner' })`:
 * `DEFER_TASKRUN | SINGLE_ISSUER | TASKRUN_FLAG`, completion work runs only inside the loop's own
 * `io_uring_enter`), to compare the two in one run.
 *
 * usage: node --import tsx bench/servers/nbio-uring-owner-echo.ts --port N [--host 127.0.0.1] [--flags defer]
 * Prints "listening on <host>:<port>"; stops on SIGINT/SIGTERM.
 *
 * @module
 */
import { EchoProtocol } from '../../src/cli/echo.ts';
import { UringSelector } from '../../src/completion/uring-selector.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import type { Watcher } from '../../src/loop/io-watchers.ts';
import { createServer } from '../../src/net/listener.ts';
import { argValue } from './control.ts';

const argv = process.argv.slice(2);
const host = argValue(argv, 'host', '127.0.0.1');
const port = Number(argValue(argv, 'port', '0'));

const defer = argValue(argv, 'flags', 'coop') === 'defer';
const loop = new EventLoop({
  selector: defer ? new UringSelector<Watcher>({ mode: 'owner' }) : 'io_uring',
  mode: 'owner',
});
const server = createServer(loop, () => new EchoProtocol(), { host, port });
const addr = server.address();
console.log(`listening on ${host}:${addr !== null && 'port' in addr ? addr.port : port}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => loop.stop());
await loop.run();
server.close();
loop.close();
