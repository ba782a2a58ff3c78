/**
 * The aligned text tables the CLI prints (`nbio demo`, `nbio tour`, `nbio rosetta`): all at once
 * with widths that fit the content ({@link formatTable}), or row by row as results arrive with
 * widths fixed in advance ({@link formatRow}).
 *
 * @module
 */

/** A column: its title, alignment (default left) and least width (default the title's). */
export interface Column {
  readonly title: string;
  readonly align?: 'left' | 'right';
  readonly width?: number;
}

function widthOf(c: Column): number {
  return Math.max(c.title.length, c.width ?? 0);
}

/** One row, each cell padded to its column's width; a missing cell is blank. */
export function formatRow(columns: readonly Column[], cells: readonly string[]): string {
  return columns
    .map((c, i) => {
      const cell = cells[i] ?? '';
      return c.align === 'right' ? cell.padStart(widthOf(c)) : cell.padEnd(widthOf(c));
    })
    .join('  ')
    .trimEnd();
}

/** The title row and the rule under it. */
export function formatHeader(columns: readonly Column[]): string[] {
  return [
    formatRow(
      columns,
      columns.map((c) => c.title),
    ),
    formatRow(
      columns,
      columns.map((c) => '-'.repeat(widthOf(c))),
    ),
  ];
}

/** A whole table: header, rule and rows, each column as wide as its widest cell. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const fitted = columns.map((c, i) => ({
    ...c,
    width: Math.max(widthOf(c), ...rows.map((r) => (r[i] ?? '').length)),
  }));
  return [...formatHeader(fitted), ...rows.map((r) => formatRow(fitted, r))];
}
