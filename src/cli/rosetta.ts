/**
 * `nbio rosetta [--backend b] [--rounds n] [--style s,…]`: the chat server of
 * `examples/rosetta/`, written in every style, run one after another, each on a fresh loop whose
 * selector is a {@link TracedSelector}. The clients (examples/rosetta/client.ts) run in a child
 * process, so only the server's work is measured. Prints one row per style as soon as that style
 * is measured: lines of code (of its example file, blank lines and comments not counted), loop
 * iterations, syscalls and callbacks per message — the styles cost the same loop underneath.
 * See docs/rosetta.md.
 *
 * ## What is measured, and when
 * The window opens once the server listens. The client reports its transcript over a pipe the
 * loop itself watches (so owner-mode backends, blocked in their own wait, see it too); the
 * window closes after the first iteration that finds the report read and the server idle, with
 * every connection closed. What the report cost (the waits that woke only for it, its
 * callbacks, removing its watch) is taken out, so each figure is the server's alone, from the
 * first accept to the last close.
 * - syscalls = waits (`epoll_wait`/`poll`/`select`) + control calls (`epoll_ctl` or interest
 *   changes) + the connections' reads and writes (`recv`, `send`/`writev`; each server reports
 *   them, see `ioCalls()` in examples/rosetta/chat-server.ts). accept() and close() are not
 *   counted: they are per connection, the same in every style.
 * - callbacks = I/O callbacks + `callSoon` callbacks + timers fired (`loop.stats()`).
 * - a message is one line a client sends.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatServer, StartChat } from '../../examples/rosetta/chat-server.ts';
import { EventLoop } from '../loop/event-loop.ts';
import type { Watcher } from '../loop/io-watchers.ts';
import { allBackends, createSelector, defaultSelector } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { close, pipe, read, WOULD_BLOCK } from '../sys/fd.ts';
import { TracedSelector } from '../trace/traced-selector.ts';
import {
  type Command,
  type CommandSpec,
  type Flags,
  type FlagValues,
  formatUsage,
  HELP,
  parseArgs,
  UsageError,
} from './args.ts';
import { type Column, formatHeader, formatRow } from './text-table.ts';

/** The styles, in the order they run (the first one's transcript is the reference). */
export const STYLES = ['raw-callbacks', 'protocol', 'streams', 'twisted', 'tornado', 'compat-net'] as const;

/** A style's name (its file in examples/rosetta/). */
export type StyleName = (typeof STYLES)[number];

const loaders: Record<StyleName, () => Promise<{ start: StartChat }>> = {
  'raw-callbacks': () => import('../../examples/rosetta/raw-callbacks.ts'),
  protocol: () => import('../../examples/rosetta/protocol.ts'),
  streams: () => import('../../examples/rosetta/streams.ts'),
  twisted: () => import('../../examples/rosetta/twisted.ts'),
  tornado: () => import('../../examples/rosetta/tornado.ts'),
  'compat-net': () => import('../../examples/rosetta/compat-net.ts'),
};

/** True in the sources (run through tsx); false built (dist/), where the examples are compiled too. */
const fromSource = import.meta.url.endsWith('.ts');
// Built, the line counts are those of the compiled examples.
const exampleFile = (name: string) =>
  fileURLToPath(new URL(`../../examples/rosetta/${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url));

/** Options of {@link measureStyle} and {@link rosetta}. */
export interface RosettaOptions {
  /** Selector backend of every server loop; default: the platform's best. */
  backend?: SelectorName;
  /** How many times the chat part of the client scenario runs; default 10. */
  rounds?: number;
  /** Give up on one style after this many ms; default 30 000. */
  timeoutMs?: number;
}

/** One style's figures. */
export interface RosettaRow {
  style: StyleName;
  /** The loop's backend and run mode, e.g. `epoll (guest)`. */
  loop: string;
  /** Non-blank, non-comment lines of the example file. */
  lines: number;
  /** Lines the clients sent. */
  messages: number;
  iterations: number;
  waits: number;
  controlCalls: number;
  reads: number;
  writes: number;
  callbacks: number;
  syscallsPerMessage: number;
  callbacksPerMessage: number;
  /** What the clients saw (see examples/rosetta/client.ts). */
  transcript: string[];
}

/** Counts the lines of TypeScript `source` that are neither blank nor comments. */
export function countCodeLines(source: string): number {
  let inBlock = false;
  let n = 0;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (inBlock) {
      inBlock = !line.includes('*/');
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      inBlock = !line.includes('*/');
      continue;
    }
    n++;
  }
  return n;
}

/** Starts the client scenario in a child process that reports on `reportFd`. */
function spawnClients(port: number, rounds: number, reportFd: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...(fromSource ? ['--import', 'tsx'] : []),
      exampleFile('client'),
      String(port),
      String(rounds),
      '--json',
    ],
    { stdio: ['ignore', reportFd, 'inherit'] },
  );
}

/** The counters of one run, before dividing by messages. */
type Figures = Pick<RosettaRow, 'iterations' | 'waits' | 'controlCalls' | 'reads' | 'writes' | 'callbacks'>;

/** Takes the counters now; the function returned gives what was counted since. */
function measureFrom(loop: EventLoop, traced: TracedSelector<Watcher>, server: ChatServer): () => Figures {
  const callbacks = () => {
    const st = loop.stats();
    return st.ioCallbacks + st.soonCallbacks + st.timersFired;
  };
  const [i0, w0, c0, cb0, io0] = [
    loop.stats().iterations,
    traced.waits,
    traced.controlCalls,
    callbacks(),
    server.ioCalls(),
  ];
  return () => {
    const io = server.ioCalls();
    return {
      iterations: loop.stats().iterations - i0, // the current iteration is not counted yet
      waits: traced.waits - w0,
      controlCalls: traced.controlCalls - c0,
      reads: io.reads - io0.reads,
      writes: io.writes - io0.writes,
      callbacks: callbacks() - cb0,
    };
  };
}

/**
 * Serves the scenario with one style on a fresh traced loop and measures it.
 * @throws when the client scenario fails (its message and exit code), or when the report does
 *   not arrive or the server does not close every connection within `timeoutMs`
 */
export async function measureStyle(style: StyleName, options: RosettaOptions = {}): Promise<RosettaRow> {
  const { start } = await loaders[style]();
  const rounds = options.rounds ?? 10;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const [reportFd, childEnd] = pipe();
  // What the harness itself costs, to be left out: the waits that woke only for the report,
  // the report's callbacks, and (once) removing its watch.
  const harness = { waits: 0, callbacks: 0, iterationDone: () => {} };
  const inner = options.backend ? createSelector<Watcher>(options.backend) : defaultSelector<Watcher>();
  const traced = new TracedSelector<Watcher>(inner, {
    recordSets: false,
    onSelect: ({ readable, writable }) => {
      if (writable.length === 0 && readable.length === 1 && readable[0] === reportFd) harness.waits++;
    },
  });
  const loop = new EventLoop({
    selector: traced,
    observer: { iterationDone: () => harness.iterationDone() },
  });
  const run = { server: null as ChatServer | null, child: null as ChildProcess | null, childEnd };
  try {
    const { figures, report } = await loop.runUntilComplete(async () => {
      const server = (run.server = await start(loop, 0));
      let report = '';
      let eof = false;
      const buf = Buffer.alloc(64 * 1024);
      loop.addReader(reportFd, () => {
        harness.callbacks++;
        for (let n = read(reportFd, buf); n !== WOULD_BLOCK && !eof; n = read(reportFd, buf)) {
          if (n === 0) {
            eof = true;
            loop.removeReader(reportFd);
          } else report += buf.toString('utf8', 0, n);
        }
      });
      const measure = measureFrom(loop, traced, server); // the window opens
      run.child = spawnClients(server.port, rounds, childEnd);
      close(childEnd); // the child has its own copy: EOF arrives when it exits
      run.childEnd = -1;
      return new Promise<{ figures: Figures; report: string }>((resolve, reject) => {
        const timer = loop.callLater(timeoutMs, () =>
          reject(
            new Error(
              `${eof ? 'the server kept connections open' : 'no report from the clients'} after ${timeoutMs} ms`,
            ),
          ),
        );
        // The window closes after the first iteration that finds the report read and the server
        // idle: every connection closed (only its listener watched), nothing queued.
        harness.iterationDone = () => {
          const st = loop.stats();
          if (!eof || st.readers !== 1 || st.writers !== 0 || st.ready !== 0) return;
          harness.iterationDone = () => {};
          timer.cancel();
          const f = measure();
          const figures = {
            iterations: f.iterations - harness.waits, // one wait per iteration
            waits: f.waits - harness.waits,
            controlCalls: f.controlCalls - 1,
            reads: f.reads,
            writes: f.writes,
            callbacks: f.callbacks - harness.callbacks,
          };
          resolve({ figures, report });
        };
      });
    });
    const child = run.child!;
    const code = child.exitCode ?? (await new Promise((resolve) => child.once('exit', resolve)));
    let transcript: string[];
    try {
      transcript = JSON.parse(report) as string[];
    } catch {
      throw new Error(`the client scenario failed (exit code ${code}); see its message above.`);
    }
    const messages = transcript.filter((l) => /^[ABC]> (?!\()/.test(l)).length;
    const syscalls = figures.waits + figures.controlCalls + figures.reads + figures.writes;
    return {
      style,
      loop: `${inner.capabilities.name} (${loop.mode})`,
      lines: countCodeLines(readFileSync(exampleFile(style), 'utf8')),
      messages,
      ...figures,
      syscallsPerMessage: syscalls / messages,
      callbacksPerMessage: figures.callbacks / messages,
      transcript,
    };
  } finally {
    if (run.child !== null && run.child.exitCode === null && run.child.signalCode === null) run.child.kill();
    run.server?.close();
    loop.removeReader(reportFd);
    close(reportFd);
    if (run.childEnd >= 0) close(run.childEnd);
    loop.close();
  }
}

const rosettaSpec = {
  name: 'rosetta',
  summary: 'one chat server in six styles, measured side by side (a line per style as it finishes)',
  flags: {
    backend: {
      type: 'choice',
      choices: allBackends,
      help: 'selector backend of every server loop (default: the best here)',
    },
    rounds: { type: 'int', min: 1, max: 1000, default: 10, help: 'rounds of chat the clients run' },
    style: { type: 'list', choices: STYLES, default: STYLES, help: 'the styles to run (repeatable)' },
  },
  details: [
    'Columns: lines = lines of code of examples/rosetta/<style>.ts (blank lines and comments not',
    'counted); iterations, waits (selector waits), ctl (interest changes), reads, writes: what the',
    "server's loop did; per msg = divided by the lines the clients sent. See docs/rosetta.md.",
  ].join('\n'),
} as const satisfies CommandSpec<Flags>;

/**
 * Parses `--backend b --rounds n --style s` (repeatable, comma-separated).
 * @throws UsageError (an InvalidArgumentError) naming the flag; also for `--help`, which only the
 *   command itself answers
 */
export function parseRosettaArgs(argv: readonly string[]): RosettaOptions & { styles: StyleName[] } {
  const parsed = parseArgs(rosettaSpec, argv);
  if (parsed === HELP) throw new UsageError('--help: run nbio rosetta --help.', formatUsage(rosettaSpec));
  return optionsOf(parsed.values);
}

function optionsOf(values: FlagValues<typeof rosettaSpec.flags>): RosettaOptions & { styles: StyleName[] } {
  const opts: RosettaOptions & { styles: StyleName[] } = { styles: values.style, rounds: values.rounds };
  if (values.backend !== undefined) opts.backend = values.backend;
  return opts;
}

/** The columns of the table `nbio rosetta` prints, wide enough for its figures. */
export const ROSETTA_COLUMNS: readonly Column[] = [
  { title: 'style', width: Math.max(...STYLES.map((s) => s.length)) },
  { title: 'lines', align: 'right' },
  { title: 'iterations', align: 'right' },
  { title: 'waits', align: 'right', width: 6 },
  { title: 'ctl', align: 'right', width: 4 },
  { title: 'reads', align: 'right', width: 6 },
  { title: 'writes', align: 'right' },
  { title: 'syscalls/msg', align: 'right' },
  { title: 'callbacks/msg', align: 'right' },
  { title: 'transcript' },
];

/** One row of the table; `reference` is the first style's transcript. */
export function formatRosettaRow(r: RosettaRow, reference: readonly string[]): string {
  return formatRow(ROSETTA_COLUMNS, [
    r.style,
    String(r.lines),
    String(r.iterations),
    String(r.waits),
    String(r.controlCalls),
    String(r.reads),
    String(r.writes),
    r.syscallsPerMessage.toFixed(2),
    r.callbacksPerMessage.toFixed(2),
    r.transcript.join('\n') === reference.join('\n') ? 'same' : 'DIFFERS',
  ]);
}

/**
 * `nbio rosetta`: measures each style (see the module comment), printing its row as soon as it
 * is measured.
 * @returns the exit code: 0, or 1 when a style failed or its clients saw another transcript
 * @throws UsageError for bad arguments
 */
export async function rosetta(
  argv: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const parsed = parseArgs(rosettaSpec, argv);
  if (parsed === HELP) {
    print(formatUsage(rosettaSpec));
    return 0;
  }
  const opts = optionsOf(parsed.values);
  const rounds = opts.rounds ?? 10;
  const n = opts.styles.length;
  print(
    `nbio rosetta: one chat server in ${n} style${n === 1 ? '' : 's'}, run one after another, each serving`,
  );
  print(
    `the same three clients (examples/rosetta/client.ts, ${rounds} round${rounds === 1 ? '' : 's'} of chat)`,
  );
  print('on its own loop with a traced selector. A few seconds per style; rows appear as they finish.');
  print('');
  for (const l of formatHeader(ROSETTA_COLUMNS)) print(l);
  let reference: readonly string[] | null = null;
  let first: RosettaRow | null = null;
  let failed = false;
  let differs = false;
  for (const style of opts.styles) {
    try {
      const row = await measureStyle(style, { ...opts, rounds });
      reference ??= row.transcript;
      first ??= row;
      if (row.transcript.join('\n') !== reference.join('\n')) differs = true;
      print(formatRosettaRow(row, reference));
    } catch (err) {
      failed = true;
      print(`${style.padEnd(ROSETTA_COLUMNS[0]?.width ?? 0)}  failed: ${(err as Error).message}`);
    }
  }
  if (first === null) return 1;
  print('');
  print(`${first.messages} lines sent by the clients; every server loop: ${first.loop}.`);
  print('lines = lines of code of examples/rosetta/<style>.ts, blank lines and comments not counted;');
  print('syscalls = waits + ctl (interest changes) + reads + writes on the connections;');
  print('callbacks = I/O callbacks + callSoon callbacks + timers fired; /msg = per line a client sent.');
  print("transcript: what the clients saw, compared with the first style's. See docs/rosetta.md.");
  return failed || differs ? 1 : 0;
}

/** `nbio rosetta` as main.ts runs it. */
export const rosettaCommand: Command = {
  name: rosettaSpec.name,
  summary: rosettaSpec.summary,
  usage: formatUsage(rosettaSpec),
  run: (argv) => rosetta(argv),
};
