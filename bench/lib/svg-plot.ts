/**
 * A hand-written SVG line plot with logarithmic axes, in side-by-side panels (no dependency):
 * enough for "µs per iteration against N" per backend.
 *
 * @module
 */

/** One line of a panel. */
export interface Series {
  name: string;
  color: string;
  /** SVG stroke-dasharray, e.g. "6 3"; empty for a solid line. */
  dash: string;
  width?: number;
  /** [x, y] points, both > 0. */
  points: [number, number][];
}

/** One panel: its own title, shared axes. */
export interface Panel {
  title: string;
  series: Series[];
}

/** A whole figure. */
export interface Plot {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  panels: Panel[];
}

const PANEL_W = 520;
const PANEL_H = 380;
const M = { left: 64, right: 16, top: 70, bottom: 52 };
const LEGEND_H = 18;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Powers of ten from below `lo` to above `hi`, with 2 and 5 between them. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

const label = (v: number) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : v.toPrecision(1));

/** Renders `plot` as a standalone SVG document. */
export function renderLogLogPlot(plot: Plot): string {
  const all = plot.panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const xs = all.map((p) => p[0]).filter((v) => v > 0);
  const ys = all.map((p) => p[1]).filter((v) => v > 0);
  const xLo = xs.length ? Math.min(...xs) : 1;
  const xHi = xs.length ? Math.max(...xs) : 10;
  const yLo = 10 ** Math.floor(Math.log10(ys.length ? Math.min(...ys) : 1));
  const yHi = 10 ** Math.ceil(Math.log10(ys.length ? Math.max(...ys) : 10));
  const legendRows = Math.max(...plot.panels.map((p) => p.series.length), 0);
  const h = M.top + PANEL_H + M.bottom + legendRows * LEGEND_H + 10;
  const w = plot.panels.length * PANEL_W;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(plot.title)}</text>`,
    `<text x="${w / 2}" y="40" text-anchor="middle" fill="#555">${esc(plot.subtitle)}</text>`,
  ];
  plot.panels.forEach((panel, pi) => {
    const ox = pi * PANEL_W;
    const pw = PANEL_W - M.left - M.right;
    const px = (x: number) =>
      ox + M.left + ((Math.log(x) - Math.log(xLo)) / (Math.log(xHi) - Math.log(xLo))) * pw;
    const py = (y: number) =>
      M.top + PANEL_H - ((Math.log(y) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo))) * PANEL_H;
    out.push(
      `<text x="${ox + M.left + pw / 2}" y="${M.top - 10}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`,
    );
    // x ticks: the measured x values when there are few of them, else 1-2-5 steps.
    const xTicks = [...new Set(xs)].length <= 12 ? [...new Set(xs)] : ticks(xLo, xHi);
    for (const t of xTicks) {
      out.push(
        `<line x1="${px(t)}" x2="${px(t)}" y1="${M.top}" y2="${M.top + PANEL_H}" stroke="#eee"/>`,
        `<text x="${px(t)}" y="${M.top + PANEL_H + 16}" text-anchor="middle">${label(t)}</text>`,
      );
    }
    for (const t of ticks(yLo, yHi)) {
      out.push(
        `<line x1="${ox + M.left}" x2="${ox + M.left + pw}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`,
        `<text x="${ox + M.left - 6}" y="${py(t) + 4}" text-anchor="end">${label(t)}</text>`,
      );
    }
    out.push(
      `<rect x="${ox + M.left}" y="${M.top}" width="${pw}" height="${PANEL_H}" fill="none" stroke="#888"/>`,
      `<text x="${ox + M.left + pw / 2}" y="${M.top + PANEL_H + 36}" text-anchor="middle">${esc(plot.xLabel)}</text>`,
      `<text transform="translate(${ox + 16},${M.top + PANEL_H / 2}) rotate(-90)" text-anchor="middle">${esc(plot.yLabel)}</text>`,
    );
    panel.series.forEach((s, si) => {
      const pts = s.points.filter(([x, y]) => x > 0 && y > 0).sort((a, b) => a[0] - b[0]);
      const sw = s.width ?? 2;
      if (pts.length > 1) {
        const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
        out.push(
          `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${sw}" stroke-dasharray="${s.dash}"/>`,
        );
      }
      for (const [x, y] of pts) {
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
      }
      const ly = M.top + PANEL_H + M.bottom + si * LEGEND_H;
      out.push(
        `<line x1="${ox + M.left}" x2="${ox + M.left + 28}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="${sw}" stroke-dasharray="${s.dash}"/>`,
        `<text x="${ox + M.left + 36}" y="${ly + 4}">${esc(s.name)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
