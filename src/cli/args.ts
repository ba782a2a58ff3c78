/**
 * One argument parser for every `nbio` command: flags, strict integers, operands, conflicts,
 * `--help`, and the usage text, all from one declarative {@link CommandSpec}.
 *
 * What every command gets from it, without writing any of it:
 * - `--help` / `-h` anywhere before `--`: the usage on stdout, exit 0, nothing run;
 * - an unknown flag, a stray argument, a flag given twice, a missing value, a conflict: a
 *   {@link UsageError} naming the flag and what was given; `main.ts` prints it and the usage on
 *   stderr and exits 2;
 * - numbers: strict decimal integers in range (`''`, `0x4e21`, `1e4`, `-1`, `070`, `70000`
 *   refused for a port), never `Number()`'s guesses;
 * - `--flag value` and `--flag=value` alike.
 *
 * ## Adding a command
 * 1. In `src/cli/<name>.ts`, export a command made by {@link defineCommand}: its name, a one-line
 *    summary (for `nbio --help`), its flags, and `run`, which receives the parsed values already
 *    typed (an `int` flag is a `number`; a flag without `default` may be `undefined`):
 *    ```ts
 *    export const hello = defineCommand(
 *      {
 *        name: 'hello',
 *        summary: 'greets on a port',
 *        flags: {
 *          port: { type: 'int', min: 0, max: 65535, default: 7000, help: 'TCP port (0: any free port)' },
 *          backend: { type: 'choice', choices: allBackends, help: 'selector backend' },
 *        },
 *      },
 *      async ({ values }) => { … return 0; },
 *    );
 *    ```
 * 2. Add it to `COMMANDS` in `src/cli/main.ts`. `nbio --help` lists it; its `--help` works.
 * 3. Test its misuse in `test/integration/cli-*.test.ts` (spawn the CLI, check exit code and
 *    message), as test/integration/cli-args.test.ts does.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Command, CommandSpec, FlagSpec, Flags, FlagValues, ParsedArgs } from './command-spec.ts';
import { formatUsage, valueName } from './format-usage.ts';

export type {
  ChoiceFlag,
  Command,
  CommandSpec,
  FlagSpec,
  Flags,
  FlagValue,
  FlagValues,
  IntFlag,
  IntListFlag,
  ListFlag,
  OperandSpec,
  ParsedArgs,
  StringFlag,
  SwitchFlag,
} from './command-spec.ts';
export { formatUsage } from './format-usage.ts';

/**
 * The command line was misused (unknown flag, stray argument, bad or conflicting value).
 * `main.ts` prints the message and `usage` on stderr and exits 2. Code: NBIO_INVALID_ARGUMENT.
 */
export class UsageError extends InvalidArgumentError {
  /** The command's usage text. */
  readonly usage: string;
  /** @param message what was wrong, naming the flag and the value given; @param usage the usage text */
  constructor(message: string, usage: string) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}

/** Returned by {@link parseArgs} when `--help` or `-h` was given. */
export const HELP = Symbol('help');

const INT = /^-?[0-9]+$/;

/**
 * A strict decimal integer in `[min, max]`: digits only (a `-` sign when negative), no leading
 * zeros, no spaces, no `0x`, no exponent.
 * @param what how to name the value in the message (`--port`)
 * @throws InvalidArgumentError naming `what` and the text given
 */
export function parseStrictInt(text: string, min: number, max: number, what: string): number {
  const n = Number(text);
  const canonical = INT.test(text) && String(n) === text.replace(/^-0$/, '0');
  if (!canonical || n < min || n > max) {
    const kind = min >= 0 ? 'a whole number' : 'an integer';
    throw new InvalidArgumentError(
      `${what} must be ${kind} from ${min} to ${max}, written in decimal digits; got ${JSON.stringify(text)}.`,
    );
  }
  return n;
}

function parseValue(name: string, spec: FlagSpec, text: string, usage: string): unknown {
  const flag = `--${name}`;
  const fail = (message: string): never => {
    throw new UsageError(message, usage);
  };
  const int = (t: string, min: number, max: number): number => {
    try {
      return parseStrictInt(t, min, max, flag);
    } catch (err) {
      return fail((err as Error).message);
    }
  };
  switch (spec.type) {
    case 'int':
      return int(text, spec.min, spec.max);
    case 'string':
      if (text === '') fail(`${flag} needs a value; got an empty string.`);
      return text;
    case 'choice':
      if (!spec.choices.includes(text)) {
        fail(`${flag} must be one of ${spec.choices.join(', ')}; got ${JSON.stringify(text)}.`);
      }
      return text;
    case 'list':
    case 'int-list': {
      const items = text.split(',');
      if (items.some((i) => i === ''))
        fail(`${flag} takes comma-separated values; got ${JSON.stringify(text)}.`);
      if (spec.type === 'int-list') return items.map((i) => int(i, spec.min, spec.max));
      const choices = spec.choices;
      for (const i of items) {
        if (choices !== undefined && !choices.includes(i)) {
          fail(`${flag} must be one of ${choices.join(', ')}; got ${JSON.stringify(i)}.`);
        }
      }
      return items;
    }
    case 'switch':
      return true;
  }
}

/**
 * Parses `argv` (the words after the command name) against `spec`.
 * @returns the values, or {@link HELP} when `--help`/`-h` was given
 * @throws UsageError for any misuse (see the module comment)
 */
export function parseArgs<F extends Flags>(
  spec: CommandSpec<F>,
  argv: readonly string[],
): ParsedArgs<F> | typeof HELP {
  const usage = formatUsage(spec);
  const fail = (message: string): never => {
    throw new UsageError(message, usage);
  };
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  const operands: string[] = [];
  const takesOperands = spec.operands !== undefined && spec.operands.afterDashDash !== true;
  // --help wins over everything else on the line (the person is asking how to use it).
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((w) => w === '--help' || w === '-h')) return HELP;
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      i++;
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      if (!takesOperands) {
        fail(
          spec.operands === undefined
            ? `unexpected argument ${JSON.stringify(word)}: nbio ${spec.name} takes no arguments, only the options below.`
            : `unexpected argument ${JSON.stringify(word)}: put ${spec.operands.usage} after --.`,
        );
      }
      operands.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = word.startsWith('--') ? word.slice(2, eq < 0 ? undefined : eq) : '';
    const flagSpec = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    if (flagSpec === undefined) {
      const known = Object.keys(spec.flags).map((n) => `--${n}`);
      fail(
        `unknown option ${JSON.stringify(eq < 0 ? word : word.slice(0, eq))}; ${
          known.length > 0
            ? `nbio ${spec.name} takes ${known.join(', ')} and --help`
            : `nbio ${spec.name} takes only --help`
        }.`,
      );
      continue;
    }
    const repeatable = flagSpec.type === 'list' || flagSpec.type === 'int-list';
    if (given.has(name) && !repeatable) fail(`--${name} was given twice; give it once.`);
    given.add(name);
    if (flagSpec.type === 'switch') {
      if (eq >= 0) fail(`--${name} takes no value; got ${JSON.stringify(word)}.`);
      values[name] = true;
      continue;
    }
    let text: string | undefined;
    if (eq >= 0) text = word.slice(eq + 1);
    else {
      text = argv[i + 1];
      // `--host --port 1`: the next word is a flag, not this one's value.
      if (text?.startsWith('--')) text = undefined;
      i++;
    }
    if (text === undefined) {
      fail(`--${name} needs a value${valueName(name, flagSpec)}.`);
      continue;
    }
    const value = parseValue(name, flagSpec, text, usage);
    const before = values[name];
    values[name] =
      repeatable && Array.isArray(before) && Array.isArray(value) ? [...before, ...value] : value;
  }
  operands.push(...argv.slice(i));
  for (const [name, flagSpec] of Object.entries(spec.flags)) {
    if (values[name] !== undefined) continue;
    if (flagSpec.type === 'switch') values[name] = false;
    else if (flagSpec.default !== undefined) {
      values[name] = Array.isArray(flagSpec.default) ? [...flagSpec.default] : flagSpec.default;
    }
  }
  for (const [flag, others, why] of spec.conflicts ?? []) {
    const clash = others.filter((o) => given.has(o));
    if (given.has(flag) && clash.length > 0) {
      fail(`--${flag} cannot be combined with ${clash.map((o) => `--${o}`).join(' or ')}: ${why}.`);
    }
  }
  const ops = spec.operands;
  if (ops === undefined && operands.length > 0) {
    fail(`unexpected argument ${JSON.stringify(operands[0])}: nbio ${spec.name} takes no arguments.`);
  }
  if (ops !== undefined) {
    if (operands.length < ops.min)
      fail(`nbio ${spec.name} needs ${ops.afterDashDash ? '-- ' : ''}${ops.usage}.`);
    if (ops.max !== undefined && operands.length > ops.max) {
      fail(`too many arguments (${operands.length}): nbio ${spec.name} takes ${ops.usage}.`);
    }
  }
  return { values: values as FlagValues<F>, operands, given: given as Set<keyof F & string> };
}

/**
 * Makes a {@link Command} from its spec and body: `run` parses (printing the usage for
 * `--help`), then calls `body` with typed values. Misuse throws {@link UsageError}.
 */
export function defineCommand<const F extends Flags>(
  spec: CommandSpec<F>,
  body: (args: ParsedArgs<F>) => Promise<number> | number,
): Command {
  const usage = formatUsage(spec);
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    async run(argv) {
      const parsed = parseArgs(spec, argv);
      if (parsed === HELP) {
        console.log(usage);
        return 0;
      }
      return body(parsed);
    },
  };
}
