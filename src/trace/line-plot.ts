/**
 * A small hand-written SVG line plot with linear axes and one panel per series group (no
 * dependency), for "cost against idle connections" per backend (`nbio race`). Axes start at 0,
 * so a flat line (epoll) and a rising one (poll, select) read as such.
 *
 * @module
 */

/** One line. */
export interface LineSeries {
  readonly name: string;
  readonly color: string;
  /** [x, y] points; drawn in x order. */
  readonly points: readonly (readonly [number, number])[];
}

/** One panel with its own title and y range; panels share the x range. */
export interface LinePanel {
  readonly title: string;
  readonly series: readonly LineSeries[];
}

/** A figure of side-by-side panels. */
export interface LinePlot {
  readonly title: string;
  readonly subtitle: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly panels: readonly LinePanel[];
}

const W = 480;
const H = 340;
const M = { left: 62, right: 18, top: 64, bottom: 70 };

/** Escapes text for SVG. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round ticks from 0 to at least `max`. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

const fmt = (v: number) =>
  v >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(3)));

/** Renders `plot` as a standalone SVG document. */
export function renderLinePlot(plot: LinePlot): string {
  const xs = plot.panels.flatMap((p) => p.series.flatMap((s) => s.points.map((pt) => pt[0])));
  const xTicks = niceTicks(Math.max(1, ...xs));
  const xMax = xTicks[xTicks.length - 1] ?? 1;
  const width = W * plot.panels.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${H}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(plot.title)}</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">${escapeXml(plot.subtitle)}</text>`,
  ];
  plot.panels.forEach((panel, k) => {
    const ox = k * W;
    const ys = panel.series.flatMap((s) => s.points.map((pt) => pt[1]));
    const yTicks = niceTicks(Math.max(0, ...ys));
    const yMax = yTicks[yTicks.length - 1] ?? 1;
    const pw = W - M.left - M.right;
    const ph = H - M.top - M.bottom;
    const X = (v: number) => ox + M.left + (v / xMax) * pw;
    const Y = (v: number) => M.top + ph - (v / yMax) * ph;
    parts.push(
      `<text x="${ox + M.left + pw / 2}" y="${M.top - 8}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
    );
    for (const t of yTicks) {
      parts.push(`<line x1="${X(0)}" x2="${X(xMax)}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/>`);
      parts.push(`<text x="${X(0) - 6}" y="${Y(t) + 4}" text-anchor="end" fill="#444">${fmt(t)}</text>`);
    }
    for (const t of xTicks) {
      parts.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${Y(0)}" y2="${Y(0) + 4}" stroke="#444"/>`);
      parts.push(`<text x="${X(t)}" y="${Y(0) + 17}" text-anchor="middle" fill="#444">${fmt(t)}</text>`);
    }
    parts.push(`<rect x="${X(0)}" y="${Y(yMax)}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
    parts.push(
      `<text x="${X(xMax / 2)}" y="${Y(0) + 34}" text-anchor="middle">${escapeXml(plot.xLabel)}</text>`,
    );
    parts.push(
      `<text transform="translate(${ox + 16} ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(plot.yLabel)}</text>`,
    );
    panel.series.forEach((s, i) => {
      const pts = [...s.points].sort((a, b) => a[0] - b[0]);
      if (pts.length > 0) {
        const d = pts
          .map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`)
          .join(' ');
        parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
        for (const p of pts)
          parts.push(
            `<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`,
          );
      }
      const lx = ox + M.left + (i % 4) * 110;
      const ly = H - 14;
      parts.push(
        `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`,
      );
      parts.push(`<text x="${lx + 27}" y="${ly}">${escapeXml(s.name)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
