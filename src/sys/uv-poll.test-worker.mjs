// Test fixture: a libuv watch made inside a worker thread (its own libuv loop, not
// uv_default_loop()): UvPoll falls back to koffi.node.poll there and still wakes.
// Node 20 cannot run a .ts worker directly: register tsx first (docs/design.md).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { UvPoll } = await import('./uv-poll.ts');
const { socketpair, send, recv } = await import('./socket.ts');
const { close } = await import('./fd.ts');
const [a, b] = socketpair();
const buf = Buffer.alloc(16);
const via = UvPoll.defaultVia();
let wakes = 0;
const poll = new UvPoll(a, () => {
  recv(a, buf);
  if (++wakes < 3) {
    send(b, Buffer.from('x'));
    return;
  }
  poll.close();
  close(a);
  close(b);
  parentPort.postMessage({ via, wakes });
});
send(b, Buffer.from('x'));
