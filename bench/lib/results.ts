/**
 * Where results go: `<id>.json` (everything, every run) and `<id>.md` (the table a person reads,
 * headed by the machine, the Node version and the date), in scratch/bench/ (gitignored) unless
 * the run was asked to save them into bench/results/ (the committed ones).
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** The repository root (bench/..). */
export const ROOT: string = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
/** The committed results: written only when a run is asked to save them (see {@link resultsDir}). */
export const COMMITTED_RESULTS_DIR: string = join(ROOT, 'bench', 'results');
/** Where a run writes unless asked to save: `scratch/bench/` (gitignored). */
export const SCRATCH_RESULTS_DIR: string = join(ROOT, 'scratch', 'bench');

let saving = process.env.NBIO_BENCH_SAVE === '1';

/**
 * Makes this process write into bench/results/ (the committed results) instead of the scratch
 * folder: `npm run bench -- --save` calls it; a script run on its own saves with
 * `NBIO_BENCH_SAVE=1`. Without either, a run never overwrites committed results.
 */
export function saveToCommittedResults(): void {
  saving = true;
}

/** Where results are written now: bench/results/ when saving, else scratch/bench/. */
export function resultsDir(): string {
  return saving ? COMMITTED_RESULTS_DIR : SCRATCH_RESULTS_DIR;
}
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

/** Writes `<id>.json` and `<id>.md` into {@link resultsDir}; returns their paths. */
export function writeResults(id: string, json: unknown, markdown: string): string[] {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, `${id}.json`);
  const mdPath = join(dir, `${id}.md`);
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(mdPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return [jsonPath, mdPath];
}
