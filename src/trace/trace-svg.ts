/**
 * Draws a window of an nbio Chrome trace as an SVG timeline, the way a trace viewer lays it out:
 * per loop, one row of iterations with their callbacks stacked beneath, one row of kernel waits,
 * readiness instants as ticks, and one counter drawn as a step line. `nbio trace --svg` writes
 * it; docs/seeing.md shows one (there is no internet here for the Perfetto UI, so the picture is
 * this renderer's, not a viewer screenshot).
 *
 * @module
 */
import { escapeXml } from './line-plot.ts';

/** The fields of a trace event this renderer reads. */
export interface TimelineEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly tid: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** Options of {@link renderTimeline}. */
export interface TimelineOptions {
  /** Width of the window in µs (default 20 000: 20 ms). */
  readonly windowUs?: number;
  /** Start of the window (µs); default: the window with the most callbacks. */
  readonly startUs?: number;
  /** The counter drawn under the tracks (default `open connections …` if present, else `loop`'s ready). */
  readonly counter?: string;
  readonly title?: string;
}

const W = 1100;
const LEFT = 170;
const ROW = 18;
const COLORS: Record<string, string> = {
  reader: '#1f77b4',
  writer: '#2ca02c',
  timer: '#ff7f0e',
  soon: '#9467bd',
};

/** The start of the `windowUs` window holding the most callback slices. */
function busiestStart(events: readonly TimelineEvent[], windowUs: number): number {
  const starts = events.filter((e) => e.ph === 'X' && !e.name.startsWith('iteration')).map((e) => e.ts);
  starts.sort((a, b) => a - b);
  let best = starts[0] ?? 0;
  let bestCount = 0;
  let j = 0;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i] ?? 0;
    while ((starts[j] ?? 0) < s - windowUs) j++;
    if (i - j + 1 > bestCount) {
      bestCount = i - j + 1;
      best = Math.max(0, s - windowUs);
    }
  }
  return best;
}

/** Renders the window; see the module comment. */
export function renderTimeline(events: readonly TimelineEvent[], options: TimelineOptions = {}): string {
  const windowUs = options.windowUs ?? 20_000;
  const t0 = options.startUs ?? busiestStart(events, windowUs);
  const t1 = t0 + windowUs;
  const X = (ts: number) => LEFT + ((Math.min(Math.max(ts, t0), t1) - t0) / windowUs) * (W - LEFT - 20);
  const names = new Map<number, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, String(e.args?.name ?? e.tid));
  const loopTids = [
    ...new Set(events.filter((e) => e.ph === 'X' && e.name.startsWith('iteration')).map((e) => e.tid)),
  ];
  const parts: string[] = [];
  let y = 70;
  for (const tid of loopTids) {
    const inWindow = (e: TimelineEvent) => e.ts <= t1 && e.ts + (e.dur ?? 0) >= t0;
    const mine = events.filter((e) => (e.tid === tid || e.tid === tid + 1) && inWindow(e));
    parts.push(
      `<text x="8" y="${y - 4}" font-weight="bold">${escapeXml(names.get(tid) ?? `loop ${tid}`)}</text>`,
    );
    y += 4;
    parts.push(`<text x="8" y="${y + 13}" fill="#555">iterations</text>`);
    parts.push(`<text x="8" y="${y + ROW + 13}" fill="#555">callbacks</text>`);
    for (const e of mine) {
      if (e.ph !== 'X' || e.tid !== tid) continue;
      const iteration = e.name.startsWith('iteration');
      const kind = e.name.split(' ')[0] ?? '';
      const x = X(e.ts);
      const w = Math.max(0.8, X(e.ts + (e.dur ?? 0)) - x);
      const row = iteration ? 0 : 1;
      const fill = iteration ? '#c7c7c7' : (COLORS[kind] ?? '#555');
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y + row * ROW}" width="${w.toFixed(1)}" height="${ROW - 2}" fill="${fill}"><title>${escapeXml(e.name)} ${((e.dur ?? 0) / 1000).toFixed(3)} ms</title></rect>`,
      );
      if (w > 70) {
        parts.push(
          `<text x="${(x + 3).toFixed(1)}" y="${y + row * ROW + 12}" font-size="10" fill="${iteration ? '#222' : '#fff'}">${escapeXml(e.name.slice(0, Math.floor(w / 6)))}</text>`,
        );
      }
    }
    for (const e of mine) {
      if (e.ph !== 'i') continue;
      const x = X(e.ts);
      const stall = e.name.startsWith('STALL');
      parts.push(
        `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y + 2 * ROW}" y2="${y + 2 * ROW + 8}" stroke="${stall ? '#d62728' : '#444'}" stroke-width="${stall ? 3 : 1}"><title>${escapeXml(e.name)}</title></line>`,
      );
    }
    parts.push(`<text x="8" y="${y + 2 * ROW + 12}" fill="#555">ready events</text>`);
    y += 2 * ROW + 16;
    parts.push(`<text x="8" y="${y + 13}" fill="#555">blocked in the kernel</text>`);
    for (const e of mine) {
      if (e.ph !== 'X' || e.tid !== tid + 1) continue;
      const x = X(e.ts);
      const w = Math.max(0.8, X(e.ts + (e.dur ?? 0)) - x);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 2}" fill="#17becf"><title>${escapeXml(e.name)} ${((e.dur ?? 0) / 1000).toFixed(3)} ms</title></rect>`,
      );
    }
    y += ROW + 34;
  }
  y -= 20;
  const counters = events.filter((e) => e.ph === 'C');
  const counterName =
    options.counter ?? counters.find((e) => e.name.startsWith('open connections'))?.name ?? 'loop';
  const series = counters
    .filter((e) => e.name === counterName && e.ts >= t0 && e.ts <= t1)
    .map((e) => [e.ts, Number(Object.values(e.args ?? {})[0] ?? 0)] as const);
  const maxV = Math.max(1, ...series.map((p) => p[1]));
  const H = 40;
  if (series.length > 0) {
    const d = series
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${(y + H - (p[1] / maxV) * H).toFixed(1)}`)
      .join(' ');
    parts.push(`<text x="8" y="${y + 14}" fill="#555">${escapeXml(counterName.slice(0, 26))}</text>`);
    parts.push(`<text x="8" y="${y + 28}" fill="#555">max ${maxV}</text>`);
    parts.push(`<path d="${d}" fill="none" stroke="#8c564b" stroke-width="1.5"/>`);
    y += H + 10;
  }
  for (let k = 0; k <= 10; k++) {
    const ts = t0 + (k * windowUs) / 10;
    parts.push(`<line x1="${X(ts)}" x2="${X(ts)}" y1="44" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${X(ts)}" y="${y + 14}" text-anchor="middle" fill="#444">${((ts - t0) / 1000).toFixed(1)} ms</text>`,
    );
  }
  const legend = Object.entries(COLORS)
    .map(
      ([k, c], i) =>
        `<rect x="${LEFT + i * 110}" y="${y + 26}" width="12" height="12" fill="${c}"/><text x="${LEFT + 16 + i * 110}" y="${y + 36}">${k} callback</text>`,
    )
    .join('');
  const height = y + 50;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${height}" fill="#fff"/>
<text x="8" y="22" font-size="15" font-weight="bold">${escapeXml(options.title ?? 'nbio trace')}</text>
<text x="${LEFT}" y="38" fill="#555">${(windowUs / 1000).toFixed(1)} ms window; grey: iterations, colours: callbacks, cyan: blocked in the kernel, ticks: ready events (red: watchdog stall)</text>
${parts.join('\n')}
${legend}
</svg>
`;
}
