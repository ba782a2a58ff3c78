/**
 * `nbio trace [--out trace.json] [--svg timeline.svg] [--window-ms n] -- <script> [args]` (flags
 * parsed by the shared parser, ./args.ts): runs
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
import { renderTimeline, type TimelineEvent } from '../trace/trace-svg.ts';
import { validateTrace } from '../trace/trace-validate.ts';
import { type Command, defineCommand } from './args.ts';

function nodeArgs(script: string): string[] {
  if (!/\.[cm]?ts$/.test(script)) return [];
  try {
    return ['--import', import.meta.resolve('tsx')];
  } catch {
    return [];
  }
}

/** `nbio trace`: see the module comment. Resolves with the program's exit code. */
export const traceCommand: Command = defineCommand(
  {
    name: 'trace',
    summary: 'run a program with NBIO_TRACE set: a Chrome trace of its loops (Perfetto, chrome://tracing)',
    flags: {
      out: { type: 'string', default: 'trace.json', value: 'file', help: 'the trace file to write' },
      svg: { type: 'string', value: 'file', help: 'also draw the busiest window as an SVG timeline' },
      'window-ms': { type: 'int', min: 1, max: 600_000, default: 20, help: 'width of the --svg window' },
    },
    operands: { usage: '<script> [args…]', min: 1, afterDashDash: true },
    details: 'Example: nbio trace --out trace.json --svg timeline.svg -- app.js --port 7000',
  },
  async ({ values, operands }) => {
    const out = resolve(values.out);
    const [script, ...rest] = operands as [string, ...string[]];
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
        `${count((e) => e.ph === 'X' && /^(reader|writer|timer|soon) /.test(e.name))} callbacks, ` +
        `${count((e) => e.ph === 'i' && e.name.startsWith('STALL'))} watchdog stalls; ` +
        (check.problems.length === 0
          ? 'valid trace-event JSON'
          : `${check.problems.length} problems: ${check.problems[0]}`) +
        '. Open it in Perfetto (ui.perfetto.dev) or chrome://tracing.',
    );
    if (values.svg !== undefined) {
      const windowMs = values['window-ms'];
      writeFileSync(
        resolve(values.svg),
        renderTimeline(events, { windowUs: windowMs * 1000, title: `nbio trace of ${script}` }),
      );
      console.error(`nbio trace: timeline of the busiest ${windowMs} ms in ${resolve(values.svg)}`);
    }
    return code;
  },
);

/** Runs `nbio trace` with `argv`; resolves with the exit code. @throws UsageError for misuse */
export function trace(argv: readonly string[]): Promise<number> {
  return traceCommand.run(argv);
}
