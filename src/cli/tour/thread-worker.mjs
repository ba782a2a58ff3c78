// One thread of the tour's thread-per-client server. Node 20 cannot start a .ts worker
// directly: register tsx first (DESIGN.md, "Threads and signals"), say ready, serve one fd.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveOneBlocking } = await import('./blocking-server.ts');
parentPort.postMessage('ready');
parentPort.once('message', (fd) => {
  parentPort.postMessage(serveOneBlocking(fd));
  parentPort.close();
});
