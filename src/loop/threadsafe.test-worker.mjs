// Test fixture: a worker thread that calls into a loop through a ThreadsafeSender.
// Node 20 cannot run a .ts worker directly: register tsx first (docs/design.md, "Threads and
// signals").
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { ThreadsafeSender } = await import('./threadsafe.ts');
const sender = new ThreadsafeSender(workerData.endpoint);
await new Promise((r) => setTimeout(r, workerData.delayMs));
for (let i = 0; i < workerData.count; i++) sender.post({ i, from: 'worker' });
sender.close();
