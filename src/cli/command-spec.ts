/**
 * The declarative shape of an `nbio` command: its flags (by kind), operands and conflicts, the
 * parsed values a command's `run` receives typed, and the {@link Command} `main.ts` runs. The
 * parser that reads a command line against it is in `args.ts`, which re-exports these types.
 * @internal
 * @module
 */

/** An integer flag: strict decimal digits (an optional leading `-` when `min` < 0), in range. */
export interface IntFlag {
  readonly type: 'int';
  readonly min: number;
  readonly max: number;
  readonly default?: number;
  /** The value's name in the usage (`<n>`). */
  readonly value?: string;
  readonly help: string;
}

/** A free-text flag (a host, a path, a file name). */
export interface StringFlag {
  readonly type: 'string';
  readonly default?: string;
  readonly value?: string;
  readonly help: string;
}

/** One of a fixed set of words. */
export interface ChoiceFlag {
  readonly type: 'choice';
  readonly choices: readonly string[];
  readonly default?: string;
  readonly help: string;
}

/** Comma-separated words, repeatable (`--style a,b --style c`); `choices` limits them. */
export interface ListFlag {
  readonly type: 'list';
  readonly choices?: readonly string[];
  readonly default?: readonly string[];
  readonly value?: string;
  readonly help: string;
}

/** Comma-separated strict integers in range, repeatable. */
export interface IntListFlag {
  readonly type: 'int-list';
  readonly min: number;
  readonly max: number;
  readonly default?: readonly number[];
  readonly value?: string;
  readonly help: string;
}

/** A flag without a value: `true` when given. */
export interface SwitchFlag {
  readonly type: 'switch';
  readonly help: string;
}

/** Any flag. */
export type FlagSpec = IntFlag | StringFlag | ChoiceFlag | ListFlag | IntListFlag | SwitchFlag;

/** A command's flags, by name without the leading `--` (`'time-ms'` for `--time-ms`). */
export type Flags = Readonly<Record<string, FlagSpec>>;

/** The parsed value of one flag spec. */
export type FlagValue<S> = S extends IntFlag
  ? number
  : S extends StringFlag
    ? string
    : S extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : S extends { type: 'list'; choices: readonly (infer C)[] }
        ? C[]
        : S extends ListFlag
          ? string[]
          : S extends IntListFlag
            ? number[]
            : S extends SwitchFlag
              ? boolean
              : never;

/** Parsed values: a flag with a `default` (or a switch) always has one; others may be undefined. */
export type FlagValues<F extends Flags> = {
  -readonly [K in keyof F]: F[K] extends { default: unknown } | SwitchFlag
    ? FlagValue<F[K]>
    : FlagValue<F[K]> | undefined;
};

/** Operands (arguments that are not flags). Without this, a command takes none. */
export interface OperandSpec {
  /** How they read in the usage, e.g. `<script> [args…]`. */
  readonly usage: string;
  readonly min: number;
  readonly max?: number;
  /** Only after `--` (everything after it is an operand, even `--flags`). */
  readonly afterDashDash?: boolean;
}

/** Everything the parser and the usage text need to know about a command. */
export interface CommandSpec<F extends Flags> {
  readonly name: string;
  /** One line, shown by `nbio --help`. */
  readonly summary: string;
  readonly flags: F;
  readonly operands?: OperandSpec;
  /**
   * Flags that cannot be given together: `[flag, [others…], why]` (e.g. a path with a host or
   * port, because a server listens on one or the other).
   */
  readonly conflicts?: readonly (readonly [keyof F & string, readonly (keyof F & string)[], string])[];
  /** Extra lines printed after the flags in `--help` (what the output means, an example). */
  readonly details?: string;
}

/** What a command's `run` receives. */
export interface ParsedArgs<F extends Flags> {
  readonly values: FlagValues<F>;
  readonly operands: readonly string[];
  /** The flags the user gave (not defaulted). */
  readonly given: ReadonlySet<keyof F & string>;
}

/** A command as `main.ts` runs it. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The full `--help` text. */
  readonly usage: string;
  /** Parses `argv` (after the command name) and runs; resolves with the exit code. */
  run(argv: readonly string[]): Promise<number>;
}
