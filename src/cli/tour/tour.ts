/**
 * `nbio tour`: the talk's questions, answered by running real code on loopback.
 *
 * 1. A blocking server meets slow clients: it serves them one at a time (watch the waiting).
 * 2. The same server with one thread per client: concurrency, at one thread each.
 * 3. The same server non-blocking on select(): one thread, every wait printed.
 * 4. …on poll() and epoll(), with per-iteration stats.
 * 6. Asynchronous on io_uring: the kernel does the accept, the read and the send; every
 *    submission and completion printed, and the system calls counted beside epoll's
 *    (skipped, with the reason, when io_uring_setup fails here).
 * Then a table: clients served, wall time, CPU time, syscalls per request.
 *
 * The slow clients run in a child process (src/cli/tour/slow-clients.ts) so a blocked server
 * cannot slow them down.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '../../selector/default-selector.ts';
import type { SelectorName } from '../../selector/selector.ts';
import { sys } from '../../sys/constants.ts';
import { close } from '../../sys/fd.ts';
import { IoUring } from '../../sys/io-uring.ts';
import * as sock from '../../sys/socket.ts';
import type { SelectCall } from '../../trace/traced-selector.ts';
import { type Command, defineCommand } from '../args.ts';
import { type Column, formatTable } from '../text-table.ts';
import { serveAsync } from './async-server.ts';
import { type SyscallCounts, serveBlocking, serveThreaded, startThreads } from './blocking-server.ts';
import { serveNonBlocking } from './nonblocking-server.ts';
import type { ClientResult } from './slow-clients.ts';

/** Tour settings. */
export interface TourOptions {
  clients?: number;
  slowMs?: number;
  /** Where to print (default console.log). */
  print?: (line: string) => void;
}

/** One row of the final table. */
export interface TourRow {
  approach: string;
  served: number;
  wallMs: number;
  cpuMs: number;
  syscallsPerRequest: number;
  /** Time from the first client's connect to the last answer, as the clients saw it. */
  lastAnswerMs: number;
}

function listen(): { fd: number; port: number } {
  const fd = sock.socket(sys.AF_INET, 'stream');
  sock.setIntOption(fd, sys.SOL_SOCKET, sys.SO_REUSEADDR, 1);
  sock.bind(fd, { family: 'ipv4', address: '127.0.0.1', port: 0 });
  sock.listen(fd, 64);
  const a = sock.getsockname(fd);
  return { fd, port: a && a.family !== 'unix' ? a.port : 0 };
}

function startClients(port: number, clients: number, slowMs: number): Promise<ClientResult[]> {
  // From the sources the clients run through tsx; built (dist/), with plain node.
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./slow-clients.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const child = spawn(
    process.execPath,
    [...(fromSource ? ['--import', 'tsx'] : []), script, String(port), String(clients), String(slowMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as ClientResult[]);
      else reject(new Error(`the slow clients exited with code ${code}`));
    });
  });
}

const total = (c: SyscallCounts) => Object.values(c).reduce((a, b) => a + b, 0);

function describeCall(c: SelectCall, listener: number, waker: number): string {
  const name = (fd: number) =>
    fd === listener ? `${fd}(listener)` : fd === waker ? `${fd}(waker)` : String(fd);
  const set = (fds: number[]) => `{${fds.map(name).join(',')}}`;
  const t = c.timeoutMs === null ? 'forever' : `${c.timeoutMs.toFixed(0)} ms`;
  const ready = [
    ...c.readable.map((f) => `${name(f)} readable`),
    ...c.writable.map((f) => `${name(f)} writable`),
  ];
  return `select(read=${set(c.readFds)}, write=${set(c.writeFds)}, timeout=${t}) → blocked ${c.sleptMs.toFixed(1)} ms, ready: ${ready.length ? ready.join(' ') : 'none'}`;
}

/** Runs the tour; resolves with the table rows. */
export async function tour(opts: TourOptions = {}): Promise<TourRow[]> {
  const clients = opts.clients ?? 5;
  const slowMs = opts.slowMs ?? 300;
  const print = opts.print ?? ((l: string) => console.log(l));
  const rows: TourRow[] = [];

  async function round(
    approach: string,
    serve: (listener: number) => Promise<SyscallCounts> | SyscallCounts,
  ): Promise<void> {
    const { fd, port } = listen();
    const results = startClients(port, clients, slowMs);
    // Give the child a moment to start before a blocking server freezes this thread.
    await new Promise((r) => setTimeout(r, 300));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const counts = await serve(fd);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    close(fd);
    const res = await results;
    const firstConnect = Math.min(...res.map((r) => r.connectedMs));
    const lastAnswer = Math.max(...res.map((r) => r.answeredMs));
    rows.push({
      approach,
      served: res.filter((r) => r.answer.startsWith('you said')).length,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      syscallsPerRequest: total(counts) / clients,
      lastAnswerMs: lastAnswer - firstConnect,
    });
    print(
      `   → ${clients} clients answered within ${(lastAnswer - firstConnect).toFixed(0)} ms of the first connect`,
    );
    print('');
  }

  print(`nbio tour: ${clients} slow clients. Each waits for the server's greeting, then types one line`);
  print(`in pieces over ${slowMs} ms, then waits for the answer.\n`);
  print('1. A blocking server: accept(), greet, recv() until the line is complete, answer, close.');
  print('   While it waits for one client, it cannot even accept the next: the others wait in the');
  print('   backlog (the queue of connections the kernel has completed but the server has not yet');
  print('   accepted; 64 here).');
  await round('blocking, 1 thread', (l) => serveBlocking(l, clients, (s) => print(`   ${s}`)));

  print('2. Blocking, one thread per client (worker_threads): concurrency, bought with threads.');
  const threads = await startThreads(clients);
  await round(`blocking, ${clients} threads`, (l) => serveThreaded(l, threads, (s) => print(`   ${s}`)));
  await Promise.all(threads.map((w) => w.terminate()));

  let guestExplained = false;
  const backends = availableBackends().filter((b) => b !== 'kqueue' || process.platform !== 'linux');
  const order: SelectorName[] = ['select', 'poll', 'epoll', 'kqueue'];
  for (const [i, backend] of order.filter((b) => backends.includes(b)).entries()) {
    const step = 3 + i;
    if (backend === 'select') {
      print('3. Non-blocking, one thread, select(). Each socket is a file descriptor (fd: the small integer');
      print('   the kernel gives this process for each open socket or file), and each is set O_NONBLOCK (a');
      print('   flag that makes accept() and recv() return EAGAIN at once instead of waiting); one select()');
      print(
        "   call waits for all of them. Each wait, as the kernel saw it (fds by number; the waker is nbio's",
      );
      print('   own fd for waking its loop):');
    } else {
      print(`${step}. The same non-blocking server on ${backend}():`);
    }
    let waits = 0;
    const run = await (async () => {
      let out: Awaited<ReturnType<typeof serveNonBlocking>> | undefined;
      await round(`non-blocking, ${backend}`, async (l) => {
        out = await serveNonBlocking(l, clients, backend, (call, waker) => {
          waits++;
          if (backend === 'select' && waits <= 40) print(`   ${describeCall(call, l, waker)}`);
        });
        return out.counts;
      });
      return out!;
    })();
    if (backend === 'select' && waits > 40) print(`   … ${waits - 40} more waits`);
    const guest = backend === 'epoll' || (backend === 'kqueue' && process.platform !== 'linux');
    if (guest && !guestExplained) {
      guestExplained = true;
      print(
        "   (guest mode: nbio's loop runs inside Node's own event loop, libuv, which does the waiting and",
      );
      print('   wakes nbio when its epoll descriptor is ready; select and poll instead own the thread.)');
    }
    print(
      `   ${backend}: ${run.iterations} loop iterations, ${(run.events / Math.max(1, run.iterations)).toFixed(2)} events per iteration, ${run.sleptMs.toFixed(0)} ms blocked in nbio's own ${backend}()${guest ? " (guest mode: libuv's own wait did the sleeping, then woke nbio)" : ''}`,
    );
    print('');
  }

  await asyncStep(3 + order.filter((b) => backends.includes(b)).length, clients, round, rows, print);

  print('Summary');
  const columns: Column[] = [
    { title: 'approach' },
    { title: 'served', align: 'right' },
    { title: 'wall ms', align: 'right' },
    { title: 'server CPU ms', align: 'right' },
    { title: 'syscalls/request', align: 'right' },
    { title: 'first connect → last answer', align: 'right' },
  ];
  const body = rows.map((r) => [
    r.approach,
    `${r.served}/${clients}`,
    r.wallMs.toFixed(0),
    r.cpuMs.toFixed(1),
    r.syscallsPerRequest.toFixed(1),
    `${r.lastAnswerMs.toFixed(0)} ms`,
  ]);
  for (const l of formatTable(columns, body)) print(l);
  print('');
  print('The blocking server serializes the slow clients; threads and the non-blocking loops serve them');
  print('all at once — the loops with one thread, sleeping in the kernel while nothing is ready.');
  return rows;
}

/** Lines of submissions and completions printed before "… n more". */
const ASYNC_LINES = 40;

/** The step "asynchronous: the kernel does the read" (io_uring), or why it is skipped. */
async function asyncStep(
  step: number,
  clients: number,
  round: (approach: string, serve: (listener: number) => Promise<SyscallCounts>) => Promise<void>,
  rows: readonly TourRow[],
  print: (line: string) => void,
): Promise<void> {
  print(`${step}. Asynchronous: the kernel does the read (io_uring). The readiness loops above are told`);
  print('   "fd 7 may be read now" and then call recv() themselves. Here the program hands the kernel');
  print('   the operation and a buffer up front (a submission, SQE) and later finds it done (a');
  print('   completion, CQE), the bytes already in the buffer. Both queues are memory shared with the');
  print('   kernel; one io_uring_enter() submits everything queued and waits for completions.');
  const a = IoUring.availability();
  if (!a.available) {
    print(`   Skipped: io_uring_setup failed here (${a.reason}).`);
    print('');
    return;
  }
  let lines = 0;
  let run: Awaited<ReturnType<typeof serveAsync>> | undefined;
  await round('asynchronous, io_uring', async (l) => {
    run = await serveAsync(l, clients, (line) => {
      if (++lines <= ASYNC_LINES) print(`   ${line}`);
    });
    return run.counts;
  });
  if (lines > ASYNC_LINES) print(`   … ${lines - ASYNC_LINES} more submissions and completions`);
  const mine = rows.at(-1);
  const epoll = rows.find((r) => r.approach === 'non-blocking, epoll');
  if (run !== undefined && mine !== undefined) {
    print(
      `   io_uring: ${run.submitted} operations submitted (cancels aside), ${run.completions} completions, in ${run.counts.io_uring_enter ?? 0} io_uring_enter calls (${run.iterations} loop iterations):`,
    );
    print(
      `   ${mine.syscallsPerRequest.toFixed(1)} system calls per request${epoll ? `, against ${epoll.syscallsPerRequest.toFixed(1)} on epoll (accept4, recvfrom, sendto, close, epoll_wait, epoll_ctl)` : ''}.`,
    );
  }
  print('');
}

/** `nbio tour` (what `npm start` runs). */
export const tourCommand: Command = defineCommand(
  {
    name: 'tour',
    summary: "the talk's questions on loopback: blocking vs threads vs select/poll/epoll",
    flags: {
      clients: { type: 'int', min: 1, max: 50, default: 5, help: 'how many slow clients' },
      'slow-ms': {
        type: 'int',
        min: 0,
        max: 5000,
        default: 300,
        help: 'how long each client takes to type its line',
      },
    },
  },
  async ({ values }) => {
    await tour({ clients: values.clients, slowMs: values['slow-ms'] });
    return 0;
  },
);
