// An echo server written with raw loop callbacks over nbio's syscalls: the classic
// "non-blocking socket + readiness callback" program, with nothing hidden.
// Run: npx tsx examples/echo-callbacks.ts [port]    Try: python3 -c "…" or any TCP client.
import { EventLoop } from 'nbio';
import { close, socket as sock, sys, WOULD_BLOCK } from 'nbio/sys';

const port = Number(process.argv[2] ?? 7001);
const loop = new EventLoop();
const listener = sock.socket(sys.AF_INET, 'stream'); // non-blocking from birth
sock.setIntOption(listener, sys.SOL_SOCKET, sys.SO_REUSEADDR, 1);
sock.bind(listener, { family: 'ipv4', address: '127.0.0.1', port });
sock.listen(listener, 128);
const buf = Buffer.alloc(64 * 1024);

loop.addReader(listener, () => {
  for (let fd = sock.accept(listener); fd !== WOULD_BLOCK; fd = sock.accept(listener)) {
    const conn = fd;
    loop.addReader(conn, () => {
      const n = sock.recv(conn, buf);
      if (n === WOULD_BLOCK) return; // a spurious wake-up: wait again
      if (n === 0) {
        loop.removeReader(conn); // unregister before close, always
        close(conn);
        return;
      }
      sock.send(conn, buf, 0, n); // (a real server buffers what send() did not take)
    });
  }
});
loop.addSignalHandler('SIGINT', () => loop.stop());
loop.addSignalHandler('SIGTERM', () => loop.stop());
console.log(
  `listening on ${sock.describe(sock.getsockname(listener)!)} (${loop.selector.capabilities.name}); Ctrl-C stops`,
);
await loop.run();
loop.removeReader(listener);
close(listener);
loop.close();
