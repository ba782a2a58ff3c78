/**
 * The markdown of B1: the targets of issue 4 checked against the main shape, then one table
 * per shape.
 *
 * @module
 */
import type { EchoRow, EchoRun } from './echo.ts';
import { ECHO_IMPLS, type EchoShape, MAIN_SHAPE, shapeLabel } from './echo-impls.ts';
import { type MachineInfo, markdownHeader, markdownTable } from './lib/results.ts';
import { fmt, medianRatio } from './lib/stats.ts';

const same = (a: EchoShape, b: EchoShape) =>
  a.msgBytes === b.msgBytes && a.conns === b.conns && a.inFlight === b.inFlight;

/** Median over common rounds of `pick(a) / pick(b)`. */
function roundRatio(a: EchoRow, b: EchoRow, pick: (r: EchoRun) => number | null): number {
  const bm = new Map(b.runs.map((r) => [r.round, pick(r)]));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const r of a.runs) {
    const x = pick(r);
    const y = bm.get(r.round);
    if (x !== null && y !== null && y !== undefined) {
      xs.push(x);
      ys.push(y);
    }
  }
  return medianRatio(xs, ys);
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'not measured' : ok ? 'met' : '**missed**';
}

function targets(rows: readonly EchoRow[], skipped: ReadonlyMap<string, string>): string[] {
  const at = (impl: string) => rows.find((r) => r.impl === impl && same(r, MAIN_SHAPE));
  const nbio = at('nbio');
  const out = [`## Targets (issue 4), ${shapeLabel(MAIN_SHAPE)}`, ''];
  if (!nbio) {
    out.push(`nbio was not measured: ${skipped.get('nbio') ?? 'no runs'}.`, '');
    return out;
  }
  const lines: string[][] = [];
  const node = at('node-net');
  const x = nbio.xNodeNet;
  lines.push([
    'rt/s ≥ 1.8× Node net',
    x === null ? '–' : `${x.toFixed(2)}×`,
    verdict(x === null ? null : x >= 1.8),
  ]);
  const c = at('c-epoll');
  const cpu = c ? roundRatio(nbio, c, (r) => r.serverCpuUsPerRt) : Number.NaN;
  lines.push([
    'server CPU/rt ≤ 1.2× C epoll',
    Number.isFinite(cpu) ? `${cpu.toFixed(2)}×` : '–',
    verdict(Number.isFinite(cpu) ? cpu <= 1.2 : null),
  ]);
  const k = at('bare-koffi');
  const floor = k ? roundRatio(nbio, k, (r) => r.rtPerSec) : Number.NaN;
  lines.push([
    'rt/s ≥ 0.95× bare koffi loop',
    Number.isFinite(floor) ? `${floor.toFixed(2)}×` : '–',
    verdict(Number.isFinite(floor) ? floor >= 0.95 : null),
  ]);
  const py = rows.filter((r) => same(r, MAIN_SHAPE) && ECHO_IMPLS.find((i) => i.name === r.impl)?.python);
  const best = py.sort((a, b) => b.rtPerSec - a.rtPerSec)[0];
  lines.push([
    'ahead of every Python peer',
    best ? `best: ${best.impl} ${fmt(best.rtPerSec)} rt/s vs nbio ${fmt(nbio.rtPerSec)}` : '–',
    verdict(best ? nbio.rtPerSec > best.rtPerSec : null),
  ]);
  const mine = rows.filter((r) => r.impl === 'nbio' && r.xNodeNet !== null);
  const ahead = mine.filter((r) => (r.xNodeNet ?? 0) > 1).length;
  lines.push([
    'all shapes: ahead of Node net in every row',
    `${ahead}/${mine.length} rows`,
    verdict(mine.length === 0 ? null : ahead === mine.length),
  ]);
  out.push(markdownTable(['target', 'measured', ''], lines), '');
  if (node)
    out.push(
      `Node net at this shape: ${fmt(node.rtPerSec)} rt/s, ${node.serverCpuUsPerRt.toFixed(1)} µs CPU/rt.`,
      '',
    );
  return out;
}

const C1: EchoShape = { msgBytes: 64, conns: 1, inFlight: 1 };
const C500: EchoShape = { msgBytes: 64, conns: 500, inFlight: 1 };

/** Issue 13's targets for nbio on io_uring, guest mode and owner mode (server CPU per round trip, same-round ratios). */
function uringTargets(rows: readonly EchoRow[]): string[] {
  const at = (impl: string, s: EchoShape) => rows.find((r) => r.impl === impl && same(r, s));
  const modes = ['nbio-uring', 'nbio-uring-owner'];
  const lines: string[][] = [];
  const cell = (x: number | null, text: (x: number) => string, ok: (x: number) => boolean): string[] =>
    x === null || !Number.isFinite(x) ? ['–', verdict(null)] : [text(x), verdict(ok(x))];
  const cpuRatio = (impl: string, s: EchoShape, peer: string): number => {
    const a = at(impl, s);
    const b = at(peer, s);
    return a && b ? roundRatio(a, b, (r) => r.serverCpuUsPerRt) : Number.NaN;
  };
  const row = (what: string, s: EchoShape, peer: string, ok: (x: number) => boolean) =>
    lines.push([what, ...modes.flatMap((m) => cell(cpuRatio(m, s, peer), (x) => `${x.toFixed(2)}×`, ok))]);
  for (const s of [MAIN_SHAPE, C500]) {
    row(`${shapeLabel(s)}: CPU/rt ≤ C epoll`, s, 'c-epoll', (x) => x <= 1);
    row(`${shapeLabel(s)}: CPU/rt ≥ 15% below uvloop`, s, 'uvloop', (x) => x <= 0.85);
  }
  row(`${shapeLabel(C1)}: CPU/rt ≤ uvloop`, C1, 'uvloop', (x) => x <= 1);
  lines.push([
    `${shapeLabel(MAIN_SHAPE)}: I/O syscalls/rt ≤ 0.25`,
    ...modes.flatMap((m) =>
      cell(
        at(m, MAIN_SHAPE)?.ioSyscallsPerRt ?? null,
        (x) => x.toFixed(3),
        (x) => x <= 0.25,
      ),
    ),
  ]);
  if (lines.every((l) => l[1] === '–' && l[3] === '–')) return [];
  return [
    '## Targets (issue 13), nbio on io_uring',
    '',
    'Ratios: median over rounds of nbio-uring (guest mode) or nbio-uring-owner (owner mode) ÷ the peer, server CPU µs per round trip, same run.',
    '',
    markdownTable(['target', 'guest', '', 'owner', ''], lines),
    '',
  ];
}

/** The markdown of echo.md. */
export function renderEchoMarkdown(
  machine: MachineInfo,
  rows: readonly EchoRow[],
  skipped: ReadonlyMap<string, string>,
  runs: number,
): string {
  const out = [markdownHeader('B1 — TCP echo', machine)];
  out.push(
    `Server pinned to core 0, C load generator (bench/c/loadgen.c) to core 1, loopback. ` +
      `${runs} measured run${runs > 1 ? 's' : ''} per row, servers alternating within each round. ` +
      'rt/s: median (min..max). × Node net: median of same-round ratios. ' +
      'CPU µs/rt: server utime+stime over the measured window ÷ round trips. ' +
      'Latency: per message, from queueing to its echo, p50/p99 medians over runs. ' +
      "I/O syscalls/rt: the server's main thread's io_uring_enter, epoll_wait/epoll_pwait, recv*/send*, " +
      'read/write/readv/writev per round trip, counted in a separate 1 s run under `strace -f -p` after ' +
      'the timed runs of the shape (bench/echo-syscalls.ts); – when not counted. See bench/README.md.',
    '',
  );
  out.push(...targets(rows, skipped));
  out.push(...uringTargets(rows));
  const shapes: EchoShape[] = [];
  for (const r of rows) if (!shapes.some((s) => same(s, r))) shapes.push(r);
  for (const s of shapes) {
    out.push(`## ${shapeLabel(s)}`, '');
    const body = rows
      .filter((r) => same(r, s))
      .sort((a, b) => b.rtPerSec - a.rtPerSec)
      .map((r) => [
        r.impl,
        `${fmt(r.rtPerSec)} (${fmt(r.rtPerSecMin)}..${fmt(r.rtPerSecMax)})`,
        r.xNodeNet === null ? '–' : `${r.xNodeNet.toFixed(2)}`,
        Number.isFinite(r.serverCpuUsPerRt) ? r.serverCpuUsPerRt.toFixed(1) : '–',
        fmt(r.p50Us),
        fmt(r.p99Us),
        r.peakRssKb === null ? '–' : (r.peakRssKb / 1024).toFixed(0),
        r.ioSyscallsPerRt === null ? '–' : r.ioSyscallsPerRt.toFixed(3),
      ]);
    out.push(
      markdownTable(
        [
          'impl',
          'rt/s',
          '× Node net',
          'server CPU µs/rt',
          'p50 µs',
          'p99 µs',
          'peak RSS MiB',
          'I/O syscalls/rt',
        ],
        body,
      ),
      '',
    );
  }
  if (skipped.size > 0) {
    out.push('## Skipped', '');
    for (const [impl, why] of skipped) out.push(`- ${impl}: ${why}`);
    out.push('');
  }
  out.push('## Servers', '');
  for (const i of ECHO_IMPLS) out.push(`- **${i.name}**: ${i.description}`);
  return `${out.join('\n')}\n`;
}
