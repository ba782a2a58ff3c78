/**
 * The `nbio` command: one entry per command in {@link COMMANDS}; `nbio --help` lists them all.
 * Each command parses its own flags with the shared parser (./args.ts, which says how to add
 * one), so every command answers `--help` and refuses misuse the same way:
 *
 * - `--help`: usage on stdout, exit 0;
 * - misuse (unknown flag, stray argument, bad number, conflicting flags): the message and the
 *   usage on stderr, exit 2;
 * - a failure with one of nbio's typed errors (a port in use, a name that does not resolve): one
 *   line `nbio <command>: <message> [<code>]` on stderr, exit 1;
 * - a closed stdout (`nbio demo | head -1`): the command ends quietly, exit 0.
 *
 * @module
 */
import { type Command, UsageError } from './args.ts';
import { demoCommand } from './demo.ts';
import { echoCommand } from './echo.ts';
import { httpCommand } from './http.ts';
import { labCommand } from './lab.ts';
import { raceCommand } from './race.ts';
import { rosettaCommand } from './rosetta.ts';
import { tourCommand } from './tour/tour.ts';
import { traceCommand } from './trace.ts';

/** Every command, in the order `nbio --help` lists them. */
export const COMMANDS: readonly Command[] = [
  tourCommand,
  demoCommand,
  echoCommand,
  httpCommand,
  rosettaCommand,
  traceCommand,
  raceCommand,
  labCommand,
];

/** `nbio --help`. */
export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: nbio <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  this text`,
    '',
    "nbio <command> --help shows a command's options.",
  ].join('\n');
}

let stdoutGuarded = false;

/**
 * Ends the process quietly (exit 0) when stdout's reader has gone (`nbio demo | head -1`): the
 * reader took what it wanted, so the rest is not an error. Any other stdout error is rethrown.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  exitQuietlyWhenStdoutCloses();
  const [name = 'help', ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    if (rest.length > 0) {
      const about = COMMANDS.find((c) => c.name === rest[0]);
      if (about !== undefined) return about.run(['--help']);
    }
    console.log(mainUsage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`nbio: unknown command ${JSON.stringify(name)}.\n\n${mainUsage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nbio ${name}: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    // Typed errors carry a message that says what to do: print it, not a stack.
    const e = err as { code?: unknown; message?: unknown } | null;
    if (e !== null && typeof e === 'object' && typeof e.code === 'string') {
      console.error(`nbio ${name}: ${String(e.message)} [${e.code}]`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
