/**
 * Where results go: `bench/results/<id>.json` (everything, every run) and `<id>.md` (the table a
 * person reads, headed by the machine, the Node version and the date).
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** The repository root (bench/..). */
export const ROOT: string = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
/** Where results are written. */
export const RESULTS_DIR: string = join(ROOT, 'bench', 'results');
/** Where the C programs are built (gitignored). */
export const BUILD_DIR: string = join(ROOT, 'bench', 'build');

/** The machine and software a result was measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  date: string;
  commit: string | null;
  quick: boolean;
}

/** Describes this machine now. */
export function machineInfo(quick: boolean): MachineInfo {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    commit = null;
  }
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpu = m[1];
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    cpu,
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    date: new Date().toISOString(),
    commit,
    quick,
  };
}

/** The heading lines every markdown result starts with. */
export function markdownHeader(title: string, m: MachineInfo): string {
  return [
    `# ${title}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}. Node ${m.node}. ` +
      `${m.date.slice(0, 16).replace('T', ' ')} UTC${m.commit ? `, commit ${m.commit}` : ''}` +
      `${m.quick ? '. **Quick run** (one short run: indicative only)' : ''}.`,
    '',
  ].join('\n');
}

/** A markdown table from a header row and body rows. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Writes `<id>.json` and `<id>.md` into bench/results/; returns their paths. */
export function writeResults(id: string, json: unknown, markdown: string): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonPath = join(RESULTS_DIR, `${id}.json`);
  const mdPath = join(RESULTS_DIR, `${id}.md`);
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(mdPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return [jsonPath, mdPath];
}
