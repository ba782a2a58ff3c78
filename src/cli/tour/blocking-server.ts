/**
 * The tour's blocking servers: the classic `accept(); recv() until newline; send(); close()`
 * with sockets in *blocking* mode, one client at a time — and the same with one thread per
 * client (worker_threads; each thread blocks on its own client). Syscalls are counted at the
 * call sites.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { close, setNonBlocking } from '../../sys/fd.ts';
import * as sock from '../../sys/socket.ts';

/** Syscalls issued, by name. */
export type SyscallCounts = Record<string, number>;

function count(c: SyscallCounts, name: string): void {
  c[name] = (c[name] ?? 0) + 1;
}

/** The server speaks first; the slow clients start typing only when greeted. */
export const GREETING: Buffer = Buffer.from('hello, who is there?\n');

/** Greets a client on a blocking socket, reads one line, answers it, closes. */
export function serveOneBlocking(fd: number, counts: SyscallCounts = {}): SyscallCounts {
  setNonBlocking(fd, false);
  count(counts, 'fcntl');
  sock.send(fd, GREETING);
  count(counts, 'sendto');
  const buf = Buffer.alloc(256);
  let got = '';
  while (!got.endsWith('\n')) {
    const n = sock.recv(fd, buf); // blocks until the slow client sends its next piece
    count(counts, 'recvfrom');
    if (n <= 0) break;
    got += buf.toString('utf8', 0, n);
  }
  sock.send(fd, Buffer.from(`you said: ${got.trim()}\n`));
  count(counts, 'sendto');
  close(fd);
  count(counts, 'close');
  return counts;
}

/** A line the blocking server prints as it works. */
export type Log = (line: string) => void;

/**
 * Serves `clients` connections one after another on a blocking listener. The JS thread is
 * stuck in accept()/recv() the whole time: nothing else in this process runs.
 */
export function serveBlocking(listener: number, clients: number, log: Log): SyscallCounts {
  const counts: SyscallCounts = {};
  setNonBlocking(listener, false);
  count(counts, 'fcntl');
  const t0 = performance.now();
  for (let i = 0; i < clients; i++) {
    const fd = sock.accept(listener); // blocks
    count(counts, 'accept4');
    const ta = performance.now() - t0;
    serveOneBlocking(fd, counts);
    log(
      `accepted a client at ${ta.toFixed(0)} ms, served it by ${(performance.now() - t0).toFixed(0)} ms — the others wait in the backlog`,
    );
  }
  return counts;
}

/**
 * Serves `clients` connections with one worker thread each: the main thread blocks in
 * accept() and hands each fd to its own thread, which blocks on that client. The threads are
 * started before the clients arrive (`startThreads`): starting a Node worker costs tens of ms
 * and a good deal of CPU (a new V8 isolate, modules loaded again), which would hide the point.
 */
export async function serveThreaded(listener: number, threads: Worker[], log: Log): Promise<SyscallCounts> {
  const counts: SyscallCounts = {};
  setNonBlocking(listener, false);
  count(counts, 'fcntl');
  const done: Promise<SyscallCounts>[] = [];
  const t0 = performance.now();
  for (const [i, w] of threads.entries()) {
    const fd = sock.accept(listener);
    count(counts, 'accept4');
    done.push(
      new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }),
    );
    w.postMessage(fd);
    log(`accepted a client at ${(performance.now() - t0).toFixed(0)} ms and handed it to thread #${i + 1}`);
  }
  for (const c of await Promise.all(done)) {
    for (const [k, v] of Object.entries(c)) counts[k] = (counts[k] ?? 0) + v;
  }
  return counts;
}

/** Starts `n` worker threads that each wait for one fd to serve; resolves when all are ready. */
export async function startThreads(n: number): Promise<Worker[]> {
  const workers = Array.from(
    { length: n },
    () => new Worker(new URL('./thread-worker.mjs', import.meta.url)),
  );
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  return workers;
}
