/**
 * `nbio trace [--out trace.json] [--svg timeline.svg] [--window-ms n] -- <script> [args]`: runs
 * a program with `NBIO_TRACE` set, so every nbio loop in it streams its iterations into a Chrome
 * trace file (open it in Perfetto or chrome://tracing), then checks the file against the format
 * and prints what it holds; `--svg` also draws the busiest window as a timeline.
 *
 * A `.ts` script runs through tsx when tsx can be found from here (a checkout of nbio).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.ts';
import { renderTimeline, type TimelineEvent } from '../trace/trace-svg.ts';
import { validateTrace } from '../trace/trace-validate.ts';

/** Options of `nbio trace`. */
export interface TraceArgs {
  readonly out: string;
  readonly svg: string | null;
  readonly windowMs: number;
  readonly command: readonly string[];
}

/** Parses `nbio trace`'s command line. @throws InvalidArgumentError */
export function parseTraceArgs(argv: readonly string[]): TraceArgs {
  let out = 'trace.json';
  let svg: string | null = null;
  let windowMs = 20;
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new InvalidArgumentError(`${String(flag)} needs a value.`);
    if (flag === '--out') out = value;
    else if (flag === '--svg') svg = value;
    else if (flag === '--window-ms') {
      windowMs = Number(value);
      if (!(windowMs > 0))
        throw new InvalidArgumentError(`Invalid --window-ms '${value}': use a number of ms > 0.`);
    } else {
      throw new InvalidArgumentError(
        `Unknown option '${String(flag)}': use --out, --svg or --window-ms, then -- and the script to run.`,
      );
    }
  }
  const command = argv.slice(i + 1);
  if (command.length === 0) {
    throw new InvalidArgumentError(
      'nbio trace needs a program: nbio trace --out trace.json -- app.js [args].',
    );
  }
  return { out, svg, windowMs, command };
}

function nodeArgs(script: string): string[] {
  if (!/\.[cm]?ts$/.test(script)) return [];
  try {
    return ['--import', import.meta.resolve('tsx')];
  } catch {
    return [];
  }
}

/** `nbio trace`: see the module comment. Resolves with the program's exit code. */
export async function trace(argv: readonly string[]): Promise<number> {
  const args = parseTraceArgs(argv);
  const out = resolve(args.out);
  const [script, ...rest] = args.command as [string, ...string[]];
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(process.execPath, [...nodeArgs(script), script, ...rest], {
      stdio: 'inherit',
      env: { ...process.env, NBIO_TRACE: out },
    });
    child.on('error', fail);
    child.on('exit', (c, signal) => done(c ?? (signal === null ? 1 : 128)));
  });
  let events: TimelineEvent[];
  try {
    events = JSON.parse(readFileSync(out, 'utf8')) as TimelineEvent[];
  } catch (err) {
    console.error(
      `nbio trace: no readable trace at ${out} (${(err as Error).message}). Did the program create an nbio EventLoop, and exit normally?`,
    );
    return code === 0 ? 1 : code;
  }
  const check = validateTrace(events);
  const count = (p: (e: TimelineEvent) => boolean) => events.filter(p).length;
  console.error(
    `nbio trace: ${out}: ${count((e) => e.ph === 'X' && e.name.startsWith('iteration '))} iterations, ` +
      `${count((e) => e.ph === 'X' && !e.name.startsWith('iteration ') && /^(reader|writer|timer|soon) /.test(e.name))} callbacks, ` +
      `${count((e) => e.ph === 'i' && e.name.startsWith('STALL'))} watchdog stalls; ` +
      (check.problems.length === 0
        ? 'valid trace-event JSON'
        : `${check.problems.length} problems: ${check.problems[0]}`) +
      '. Open it in Perfetto (ui.perfetto.dev) or chrome://tracing.',
  );
  if (args.svg !== null) {
    writeFileSync(
      resolve(args.svg),
      renderTimeline(events, { windowUs: args.windowMs * 1000, title: `nbio trace of ${script}` }),
    );
    console.error(`nbio trace: timeline of the busiest ${args.windowMs} ms in ${resolve(args.svg)}`);
  }
  return code;
}
