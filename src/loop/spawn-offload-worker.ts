/**
 * @internal Starting one worker thread of an OffloadPool (src/loop/offload-pool.ts;
 * docs/offload-pool.md): the bootstrap (`offload-worker.mjs`), the loop channel it answers on,
 * and the Node options it starts with.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { EventLoop } from './event-loop.ts';
import type { ThreadsafeChannel } from './threadsafe.ts';
import { workerExecArgv } from './worker-exec-argv.ts';

const BOOTSTRAP = new URL('./offload-worker.mjs', import.meta.url);

/** A started worker thread and the channel of the loop it posts its results on. */
export interface SpawnedOffloadWorker {
  /** The thread. */
  worker: Worker;
  /** Its channel (the worker holds the other end). */
  channel: ThreadsafeChannel;
}

/**
 * Starts a worker thread running the pool's bootstrap, with a new channel of `loop`.
 * It inherits Node's options (undefined) unless some describe the main script; an explicit
 * list is validated, and per-process options in it are refused: then it starts with none.
 * @param loop the loop whose channel the worker posts on
 * @param closedFlag the pool's shared flag (an Int32 set to 1 when the pool closes)
 * @param onMessage runs on the loop for each message the worker posts on the channel
 * @throws what `new Worker` throws when no choice of options starts one (the channels opened
 *   for the failed attempts are closed)
 */
export function spawnOffloadWorker(
  loop: EventLoop,
  closedFlag: SharedArrayBuffer,
  onMessage: (data: unknown) => void,
): SpawnedOffloadWorker {
  const filtered = workerExecArgv(process.execArgv);
  const choices = filtered === null ? [undefined] : [filtered, []];
  let worker: Worker | undefined;
  let channel: ThreadsafeChannel | undefined;
  for (let i = 0; worker === undefined; i++) {
    const ch = loop.openChannel(onMessage);
    try {
      worker = new Worker(BOOTSTRAP, {
        workerData: { endpoint: ch.endpoint, closedFlag },
        transferList: [ch.endpoint.port],
        execArgv: choices[i],
      });
      channel = ch;
    } catch (err) {
      ch.close();
      const invalid = (err as { code?: string }).code === 'ERR_WORKER_INVALID_EXEC_ARGV';
      if (!invalid || i + 1 >= choices.length) throw err;
    }
  }
  if (channel === undefined) throw new Error('unreachable: a worker without a channel');
  return { worker, channel };
}
