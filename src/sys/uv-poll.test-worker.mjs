// Test fixture: a libuv watch made inside a worker thread, whose libuv loop is its own (not
// uv_default_loop()): the watch goes on that loop (napi_get_uv_event_loop) and wakes there while
// the main thread is blocked in Atomics.wait, so the main thread's loop is not turning.
// Node 20 cannot run a .ts worker directly: register tsx first (docs/design.md).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { UvPoll } = await import('./uv-poll.ts');
const { socketpair, send, recv } = await import('./socket.ts');
const { close } = await import('./fd.ts');
/** [0]: set to 1 by the worker when its three wakes ran; [1]: set to 1 by the main thread ("I am blocked now"). */
const flags = new Int32Array(workerData);
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
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
  parentPort.postMessage({ via, wakes });
});
parentPort.postMessage('ready');
Atomics.wait(flags, 1, 0, 10_000); // until the main thread is about to block
send(b, Buffer.from('x'));
