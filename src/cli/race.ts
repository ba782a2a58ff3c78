/**
 * `nbio race [--idle 0,1000,5000,9500] [--active 1,100] [--backends …] [--time-ms n] [--out dir]`
 * (flags parsed by the shared parser, ./args.ts):
 * one workload on every backend available here (io_uring too, when `availableBackends()` lists
 * it), printed with a progress bar as a table, and drawn as an SVG and an HTML page of cost
 * against idle connections.
 *
 * The workload, per cell: an owner-mode loop watches `idle` descriptors that never become ready
 * (eventfds on Linux, pipe read ends elsewhere) and `active` socket pairs with one byte
 * ping-ponging in each (both ends read one byte and write it to the other), so every iteration
 * has `active` ready events. Measured over ≤ `timeMs` after 200 warm-up iterations:
 * µs per iteration (wall clock), system calls per iteration (nbio's own count,
 * src/sys/syscall-counter.ts), events per wake, and CPU µs per event (`process.cpuUsage`).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { NbioError } from '../errors.ts';
import { EventLoop } from '../loop/event-loop.ts';
import { availableBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { close, eventfd, hasEventfd, pipe, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { startCountingSyscalls, syscallCalls } from '../sys/syscall-counter.ts';
import { escapeXml, renderLinePlot } from '../trace/line-plot.ts';
import { type Command, defineCommand } from './args.ts';

/** One measured cell, or why a backend refused it. */
export type RaceCell = {
  readonly backend: SelectorName;
  readonly idle: number;
  readonly active: number;
} & (
  | {
      readonly usPerIteration: number;
      readonly syscallsPerIteration: number;
      readonly eventsPerWake: number;
      readonly cpuUsPerEvent: number;
      readonly iterations: number;
    }
  | { readonly refused: string }
);

/** Options of {@link runRace}. */
export interface RaceOptions {
  readonly idle: readonly number[];
  readonly active: readonly number[];
  readonly backends: readonly SelectorName[];
  /** Time bound of each cell's timed part (ms). */
  readonly timeMs: number;
  /** Called before each cell (the progress bar). */
  readonly onCell?: (done: number, total: number, what: string) => void;
}

const WARMUP = 200;
const MAX_ITERATIONS = 200_000;

/** A descriptor that never becomes ready (and the ones to close with it). */
function idleDescriptor(): { fd: number; all: number[] } {
  if (hasEventfd) {
    const fd = eventfd(0);
    return { fd, all: [fd] };
  }
  const [r, w] = pipe();
  return { fd: r, all: [r, w] };
}

/** Measures one cell; see the module comment. */
export function measureCell(
  backend: SelectorName,
  idleFds: readonly number[],
  active: number,
  timeMs: number,
): RaceCell {
  const base = { backend, idle: idleFds.length, active };
  const pairs: [number, number][] = [];
  let loop: EventLoop | null = null;
  try {
    loop = new EventLoop({ selector: backend, mode: 'owner' });
    const noop = () => {};
    for (const fd of idleFds) loop.addReader(fd, noop);
    const one = new Uint8Array(1);
    for (let i = 0; i < active; i++) {
      const [a, b] = socketpair();
      pairs.push([a, b]);
      const bounce = (from: number, to: number) => (): void => {
        if (read(from, one) === 1) write(to, one);
      };
      loop.addReader(a, bounce(a, b));
      loop.addReader(b, bounce(b, a));
      write(a, one);
    }
    for (let i = 0; i < WARMUP; i++) loop.runOnce(0);
    const stopCounting = startCountingSyscalls();
    const calls0 = syscallCalls();
    const io0 = loop.stats().ioCallbacks;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + timeMs;
    let iterations = 0;
    for (;;) {
      loop.runOnce(0);
      iterations++;
      if ((iterations & 15) === 0 && (iterations >= MAX_ITERATIONS || performance.now() >= deadline)) break;
    }
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const events = loop.stats().ioCallbacks - io0;
    const calls = syscallCalls() - calls0;
    stopCounting();
    return {
      ...base,
      usPerIteration: (wallMs * 1000) / iterations,
      syscallsPerIteration: calls / iterations,
      eventsPerWake: events / iterations,
      cpuUsPerEvent: events === 0 ? 0 : (cpu.user + cpu.system) / events,
      iterations,
    };
  } catch (err) {
    if (err instanceof NbioError) return { ...base, refused: err.code };
    throw err;
  } finally {
    loop?.close();
    for (const [a, b] of pairs) {
      close(a);
      close(b);
    }
  }
}

/** Runs every cell (idle descriptors are opened once, for the largest level, and closed after). */
export function runRace(options: RaceOptions): RaceCell[] {
  const maxIdle = Math.max(0, ...options.idle);
  const idle: { fd: number; all: number[] }[] = [];
  const cells: RaceCell[] = [];
  const total = options.backends.length * options.idle.length * options.active.length;
  try {
    // Keep the lowest descriptor numbers free for each cell's loop and socket pairs (the
    // kernel hands out the lowest free number), so select — limited to fds < 1024 — can run the
    // cells whose descriptors fit, whatever the idle set above them.
    const reserved: { fd: number; all: number[] }[] = [];
    for (let i = 0; i < 2 * Math.max(0, ...options.active) + 16; i++) reserved.push(idleDescriptor());
    for (let i = 0; i < maxIdle; i++) idle.push(idleDescriptor());
    for (const d of reserved) for (const fd of d.all) close(fd);
    const fds = idle.map((d) => d.fd);
    // one untimed cell first, so the JIT has compiled the loop before the first measurement
    measureCell(options.backends[0] ?? 'poll', [], 1, Math.min(options.timeMs, 100));
    for (const active of options.active) {
      for (const n of options.idle) {
        for (const backend of options.backends) {
          options.onCell?.(cells.length, total, `${backend} idle=${n} active=${active}`);
          cells.push(measureCell(backend, fds.slice(0, n), active, options.timeMs));
        }
      }
    }
    options.onCell?.(cells.length, total, 'done');
  } finally {
    for (const d of idle) for (const fd of d.all) close(fd);
  }
  return cells;
}

const COLORS: Record<string, string> = {
  select: '#d62728',
  poll: '#ff7f0e',
  epoll: '#1f77b4',
  kqueue: '#2ca02c',
  io_uring: '#9467bd',
};

/**
 * The SVG of CPU µs per iteration against idle descriptors, one panel per active level. CPU time
 * rather than wall time: on a shared machine the wall clock also counts time spent descheduled.
 */
export function raceSvg(cells: readonly RaceCell[], subtitle: string): string {
  const actives = [...new Set(cells.map((c) => c.active))];
  const backends = [...new Set(cells.map((c) => c.backend))];
  return renderLinePlot({
    title: 'nbio race: CPU cost of one loop iteration against idle descriptors',
    subtitle,
    xLabel: 'idle descriptors watched',
    yLabel: 'CPU µs per iteration',
    panels: actives.map((active) => ({
      title: `${active} active connection${active === 1 ? '' : 's'}`,
      series: backends.map((backend) => ({
        name: backend,
        color: COLORS[backend] ?? '#333',
        points: cells.flatMap((c) =>
          c.backend === backend && c.active === active && 'usPerIteration' in c
            ? [[c.idle, c.cpuUsPerEvent * c.eventsPerWake] as const]
            : [],
        ),
      })),
    })),
  });
}

/** The table as text lines. */
export function raceTable(cells: readonly RaceCell[]): string {
  const head = [
    'backend',
    'idle',
    'active',
    'µs/iter',
    'syscalls/iter',
    'events/wake',
    'CPU µs/event',
    'iterations',
  ];
  const rows = cells.map((c) =>
    'refused' in c
      ? [c.backend, String(c.idle), String(c.active), `refused: ${c.refused}`, '', '', '', '']
      : [
          c.backend,
          String(c.idle),
          String(c.active),
          c.usPerIteration.toFixed(2),
          c.syscallsPerIteration.toFixed(2),
          c.eventsPerWake.toFixed(1),
          c.cpuUsPerEvent.toFixed(3),
          String(c.iterations),
        ],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((v, i) => v.padStart(widths[i] ?? 0)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/** The HTML page: the plot inline and the table. */
export function raceHtml(cells: readonly RaceCell[], svg: string, subtitle: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nbio race</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}</style></head>
<body><h1>nbio race</h1><p>${escapeXml(subtitle)}</p>
${svg}
<pre>${escapeXml(raceTable(cells))}</pre>
</body></html>
`;
}

/** `nbio race`: see the module comment. */
export const raceCommand: Command = defineCommand(
  {
    name: 'race',
    summary:
      'one workload on every backend here: a table, and an SVG/HTML plot of cost against idle descriptors',
    flags: {
      idle: {
        type: 'int-list',
        min: 0,
        max: 100_000,
        default: [0, 1000, 5000, 9500],
        help: 'idle descriptors watched',
      },
      active: {
        type: 'int-list',
        min: 1,
        max: 2000,
        default: [1, 100],
        help: 'active socket pairs (one byte ping-pongs in each)',
      },
      backends: {
        type: 'list',
        choices: availableBackends(),
        help: 'backends to race (default: every one available here)',
      },
      'time-ms': {
        type: 'int',
        min: 10,
        max: 60_000,
        default: 150,
        help: 'time bound of each measured cell',
      },
      out: {
        type: 'string',
        default: 'nbio-race',
        value: 'dir',
        help: 'where race.svg, race.html and race.json go',
      },
    },
    details:
      'Per cell: µs per iteration (wall), system calls per iteration (counted by nbio), events per wake, CPU µs per event.\nselect refuses descriptors ≥ 1024 (FD_SETSIZE): those cells say so.',
  },
  async ({ values }) => {
    const opts = {
      idle: values.idle,
      active: values.active,
      backends: (values.backends ?? availableBackends()) as SelectorName[],
      timeMs: values['time-ms'],
    };
    const tty = process.stderr.isTTY === true;
    const bar = (done: number, total: number, what: string) => {
      const width = 30;
      const filled = Math.round((done / Math.max(1, total)) * width);
      const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${what}`;
      process.stderr.write(tty ? `\r${text.padEnd(80)}` : `${text}\n`);
    };
    const t0 = performance.now();
    const cells = runRace({ ...opts, onCell: bar });
    if (tty) process.stderr.write('\n');
    const subtitle = `${process.platform} ${process.arch}, Node ${process.version}, ${opts.timeMs} ms per cell, owner-mode loops; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs; ${new Date().toISOString().slice(0, 16)}Z`;
    console.log(raceTable(cells));
    const dir = resolve(values.out);
    mkdirSync(dir, { recursive: true });
    const svg = raceSvg(cells, subtitle);
    writeFileSync(join(dir, 'race.svg'), svg);
    writeFileSync(join(dir, 'race.html'), raceHtml(cells, svg, subtitle));
    writeFileSync(join(dir, 'race.json'), `${JSON.stringify(cells, null, 1)}\n`);
    console.log(
      `\n${cells.length} cells in ${((performance.now() - t0) / 1000).toFixed(1)} s; wrote ${join(dir, 'race.svg')}, race.html, race.json`,
    );
    return 0;
  },
);

/** Runs `nbio race` with `argv`; resolves with the exit code. @throws UsageError for misuse */
export function race(argv: readonly string[]): Promise<number> {
  return raceCommand.run(argv);
}
