// One thread of the tour's thread-per-client server. Node 20 cannot start a .ts worker
// directly: in the sources, register tsx first (docs/design.md, "Threads and signals"); built
// (dist/), import the compiled sibling with plain node. Then say ready and serve one fd.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const compiled = new URL('./blocking-server.js', import.meta.url);
let serverModule = compiled.href;
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  serverModule = './blocking-server.ts';
}
const { serveOneBlocking } = await import(serverModule);
parentPort.postMessage('ready');
parentPort.once('message', (fd) => {
  parentPort.postMessage(serveOneBlocking(fd));
  parentPort.close();
});
