/**
 * The markdown table and the SVG plot of B2.
 *
 * @module
 */

import { type MachineInfo, markdownHeader, markdownTable } from './lib/results.ts';
import { renderLogLogPlot, type Series } from './lib/svg-plot.ts';
import type { SelectorRow } from './selectors.ts';

/** Columns in display order: [impl, level, heading]. */
const COLUMNS: [string, SelectorRow['level'], string][] = [
  ['select', 'selector', 'select'],
  ['poll', 'selector', 'poll'],
  ['epoll', 'selector', 'epoll'],
  ['select', 'loop', 'select loop'],
  ['poll', 'loop', 'poll loop'],
  ['epoll', 'loop', 'epoll loop'],
  ['koffi-epoll', 'floor', 'bare koffi epoll_wait'],
  ['python-select', 'python', 'CPython select'],
  ['python-poll', 'python', 'CPython poll'],
  ['python-epoll', 'python', 'CPython epoll'],
];

const find = (rows: readonly SelectorRow[], impl: string, level: string, idle: number, active: number) =>
  rows.find((r) => r.impl === impl && r.level === level && r.idle === idle && r.active === active);

const cell = (r: SelectorRow | undefined) =>
  r === undefined
    ? '–'
    : r.usPerIter === null
      ? 'refused'
      : r.usPerIter < 10
        ? r.usPerIter.toFixed(2)
        : r.usPerIter.toFixed(0);

function targets(rows: readonly SelectorRow[]): string[] {
  const idles = [...new Set(rows.map((r) => r.idle))].sort((a, b) => a - b);
  if (idles.length === 0) return [];
  const lo = idles[0]!; // not empty (checked above)
  const hi = idles.at(-1)!;
  const us = (impl: string, level: string, idle: number) =>
    find(rows, impl, level, idle, 1)?.usPerIter ?? null;
  const lines: string[][] = [];
  for (const level of ['selector', 'loop'] as const) {
    const a = us('epoll', level, lo);
    const b = us('epoll', level, hi);
    const x = a !== null && b !== null ? b / a : null;
    lines.push([
      `epoll ${level === 'loop' ? 'EventLoop' : 'Selector'} flat within 1.2× from ${lo} to ${hi} idle`,
      x === null ? '–' : `${x.toFixed(2)}×`,
      x === null ? 'not measured' : x <= 1.2 ? 'met' : '**missed**',
    ]);
  }
  for (const level of ['selector', 'loop'] as const) {
    let worst: number | null = null;
    for (const idle of idles) {
      const mine = us('epoll', level, idle);
      const floor = us('koffi-epoll', 'floor', idle);
      if (mine !== null && floor !== null) worst = Math.max(worst ?? Number.NEGATIVE_INFINITY, mine - floor);
    }
    lines.push([
      `epoll ${level === 'loop' ? 'EventLoop' : 'Selector'} overhead over bare epoll_wait ≤ 2 µs (worst N)`,
      worst === null ? '–' : `${worst.toFixed(2)} µs`,
      worst === null ? 'not measured' : worst <= 2 ? 'met' : '**missed**',
    ]);
  }
  return ['## Targets (issue 4), 1 active', '', markdownTable(['target', 'measured', ''], lines), ''];
}

/** The markdown of selectors.md. */
export function renderSelectorsMarkdown(
  machine: MachineInfo,
  rows: readonly SelectorRow[],
  actives: readonly number[],
): string {
  const out = [markdownHeader('B2 — selector scaling', machine)];
  out.push(
    'µs per iteration (median of the runs) of one zero-timeout wait over N idle socketpairs plus the active ones ' +
      '(one end of each registered for reading). Selector: `selector.select(0)`; loop: `loop.runOnce(0)` with a ' +
      'no-op reader per fd (epoll in guest mode, select/poll in owner mode); bare koffi: `epoll_wait(…, 0)` declared ' +
      "in bench/, the floor; CPython: the `selectors` module, same shape. 'refused': the backend rejects fds past " +
      '1023. Plot: selectors.svg.',
    '',
  );
  out.push(...targets(rows));
  for (const active of actives) {
    const idles = [...new Set(rows.filter((r) => r.active === active).map((r) => r.idle))].sort(
      (a, b) => a - b,
    );
    out.push(`## ${active} active`, '');
    const body = idles.map((idle) => [
      String(idle),
      ...COLUMNS.map(([impl, level]) => cell(find(rows, impl, level, idle, active))),
    ]);
    out.push(markdownTable(['N idle', ...COLUMNS.map((c) => c[2])], body), '');
  }
  return `${out.join('\n')}\n`;
}

const COLORS: Record<string, string> = { select: '#d62728', poll: '#1f77b4', epoll: '#2ca02c' };

/** The plot: µs per iteration against N, one panel per active count, one line per backend and level. */
export function renderSelectorsSvg(
  machine: MachineInfo,
  rows: readonly SelectorRow[],
  actives: readonly number[],
): string {
  const panels = actives.map((active) => {
    const series: Series[] = [];
    for (const [impl, level, name] of COLUMNS) {
      const pts = rows
        .filter((r) => r.impl === impl && r.level === level && r.active === active && r.usPerIter !== null)
        .map((r): [number, number] => [r.idle, r.usPerIter!]);
      if (pts.length === 0) continue;
      const backend = impl.replace('python-', '').replace('koffi-', '');
      series.push({
        name: level === 'selector' ? `${impl} (Selector)` : level === 'loop' ? `${impl} (EventLoop)` : name,
        color: level === 'floor' ? '#000' : (COLORS[backend] ?? '#777'),
        dash: level === 'loop' ? '7 4' : level === 'python' ? '2 3' : '',
        width: level === 'floor' ? 1.5 : 2,
        points: pts,
      });
    }
    return { title: `${active} active`, series };
  });
  return renderLogLogPlot({
    title: 'µs per iteration vs idle descriptors',
    subtitle: `${machine.cpu}, Node ${machine.node}, ${machine.date.slice(0, 10)}${machine.quick ? ' (quick run)' : ''}`,
    xLabel: 'N idle socketpairs (log)',
    yLabel: 'µs per iteration (log)',
    panels,
  });
}
