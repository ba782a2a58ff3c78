/**
 * `nbio demo [--backend b]`: a raw-loop echo server on loopback with a few built-in clients, run once per
 * backend this platform has, all on one EventLoop per backend with nothing but `addReader`,
 * `addWriter` and the syscalls of `src/sys/`. Prints, per backend: iterations, events per
 * iteration, time blocked in the selector vs time running callbacks, and the syscall used.
 *
 * @module
 */
import { EventLoop } from '../loop/event-loop.ts';
import type { LoopObserver } from '../loop/loop-observer.ts';
import { allBackends, availableBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { sys } from '../sys/constants.ts';
import { close, WOULD_BLOCK } from '../sys/fd.ts';
import * as sock from '../sys/socket.ts';
import { type Command, defineCommand } from './args.ts';
import { type Column, formatTable } from './text-table.ts';

/** One backend's figures. */
export interface DemoResult {
  backend: SelectorName;
  mode: string;
  syscall: string;
  clients: number;
  roundTrips: number;
  iterations: number;
  eventsPerIteration: number;
  blockedMs: number;
  runningMs: number;
  wallMs: number;
}

/** Options for {@link runEchoDemo}. */
export interface DemoOptions {
  clients?: number;
  messagesPerClient?: number;
  messageBytes?: number;
}

/** Runs the echo server and its clients on one backend; resolves with the figures. */
export async function runEchoDemo(backend: SelectorName, opts: DemoOptions = {}): Promise<DemoResult> {
  const clients = opts.clients ?? 10;
  const perClient = opts.messagesPerClient ?? 200;
  const msg = Buffer.alloc(opts.messageBytes ?? 64, 'n');
  let events = 0;
  let blocked = 0;
  const observer: LoopObserver = {
    afterPoll(evs, sleptMs) {
      events += evs.length;
      blocked += sleptMs;
    },
  };
  const loop = new EventLoop({ selector: backend, observer });
  const listener = sock.socket(sys.AF_INET, 'stream');
  sock.setIntOption(listener, sys.SOL_SOCKET, sys.SO_REUSEADDR, 1);
  sock.bind(listener, { family: 'ipv4', address: '127.0.0.1', port: 0 });
  sock.listen(listener, 128);
  const addr = sock.getsockname(listener);
  const port = addr && addr.family === 'ipv4' ? addr.port : 0;
  const open = new Set<number>([listener]);
  const buf = Buffer.alloc(64 * 1024);

  // The server: accept until would-block, then echo whatever arrives.
  loop.addReader(listener, () => {
    for (let fd = sock.accept(listener); fd !== WOULD_BLOCK; fd = sock.accept(listener)) {
      const conn = fd;
      open.add(conn);
      loop.addReader(conn, () => {
        const n = sock.recv(conn, buf);
        if (n === WOULD_BLOCK) return;
        if (n === 0) {
          loop.removeReader(conn);
          open.delete(conn);
          close(conn);
          return;
        }
        sock.send(conn, buf, 0, n); // 64-byte echoes fit the socket buffer
      });
    }
  });

  const t0 = performance.now();
  let roundTrips = 0;
  await loop.runUntilComplete(
    () =>
      new Promise<void>((resolve) => {
        let finished = 0;
        for (let c = 0; c < clients; c++) {
          const fd = sock.socket(sys.AF_INET, 'stream');
          open.add(fd);
          sock.connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
          let left = perClient;
          let got = 0;
          loop.addWriter(fd, () => {
            // Writable: the non-blocking connect finished. Send the first message.
            loop.removeWriter(fd);
            sock.send(fd, msg);
          });
          loop.addReader(fd, () => {
            const n = sock.recv(fd, buf);
            if (n === WOULD_BLOCK) return;
            got += n;
            while (got >= msg.length) {
              got -= msg.length;
              roundTrips++;
              if (--left > 0) sock.send(fd, msg);
            }
            if (left === 0) {
              loop.removeReader(fd);
              open.delete(fd);
              close(fd);
              if (++finished === clients) resolve();
            }
          });
        }
      }),
  );
  // Let the server see the EOFs and close its side.
  await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(20, r)));
  const wallMs = performance.now() - t0;
  const st = loop.stats();
  loop.removeReader(listener);
  for (const fd of open) {
    loop.removeReader(fd);
    close(fd);
  }
  loop.close();
  return {
    backend,
    mode: st.mode,
    syscall: loop.selector.capabilities.syscall,
    clients,
    roundTrips,
    iterations: st.iterations,
    eventsPerIteration: st.iterations ? events / st.iterations : 0,
    blockedMs: blocked,
    runningMs: wallMs - blocked,
    wallMs,
  };
}

const COLUMNS: readonly Column[] = [
  { title: 'backend' },
  { title: 'mode' },
  { title: 'syscall' },
  { title: 'round trips', align: 'right' },
  { title: 'iterations', align: 'right' },
  { title: 'events/iter', align: 'right' },
  { title: 'blocked ms', align: 'right' },
  { title: 'running ms', align: 'right' },
];

/** Formats results as an aligned text table. */
export function formatDemoTable(rows: readonly DemoResult[]): string {
  const body = rows.map((r) => [
    r.backend,
    r.mode,
    r.syscall,
    String(r.roundTrips),
    String(r.iterations),
    r.eventsPerIteration.toFixed(2),
    r.blockedMs.toFixed(1),
    r.runningMs.toFixed(1),
  ]);
  return formatTable(COLUMNS, body).join('\n');
}

/** `nbio demo`: runs every available backend (or the one asked for) and prints the table. */
export const demoCommand: Command = defineCommand(
  {
    name: 'demo',
    summary: 'echo server + clients on loopback, once per backend, with per-backend loop stats',
    flags: {
      backend: {
        type: 'choice',
        choices: allBackends,
        help: 'run on this backend only (default: every one here)',
      },
    },
    details: [
      "blocked = time inside nbio's selector wait (guest mode: libuv waits for nbio, so it is ~0);",
      'running = everything else (callbacks, system calls).',
    ].join('\n'),
  },
  async ({ values }) => {
    const backends = values.backend !== undefined ? [values.backend] : availableBackends();
    const rows: DemoResult[] = [];
    console.log('nbio demo: one echo server + 10 clients × 200 round trips of 64 bytes on 127.0.0.1,');
    console.log('all on one nbio EventLoop per backend (raw loop callbacks over nbio syscalls).\n');
    for (const backend of backends) {
      const r = await runEchoDemo(backend);
      rows.push(r);
      console.log(`  ${backend}: ${r.roundTrips} round trips in ${r.wallMs.toFixed(0)} ms`);
    }
    console.log(`\n${formatDemoTable(rows)}\n`);
    console.log(
      "blocked = time inside nbio's selector wait (guest mode: libuv does the waiting, so it is ~0);",
    );
    console.log('running = everything else (callbacks, syscalls).');
    console.log(
      'Watch the syscalls yourself: strace -f -e trace=pselect6,poll,epoll_wait,accept4,read,recvfrom,sendto npm start',
    );
    return 0;
  },
);
