// The shared CLI parser: strict integers, flags, operands, conflicts, --help, and the usage text.
// In-process and fast; test/integration/cli-args.test.ts runs the real command for each misuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CommandSpec,
  defineCommand,
  type Flags,
  formatUsage,
  HELP,
  parseArgs,
  parseStrictInt,
  UsageError,
} from './args.ts';

const spec = {
  name: 'probe',
  summary: 'a command for the tests',
  flags: {
    port: { type: 'int', min: 0, max: 65535, default: 7000, help: 'TCP port' },
    host: { type: 'string', help: 'host' },
    path: { type: 'string', help: 'Unix path' },
    backend: { type: 'choice', choices: ['select', 'poll'], help: 'backend' },
    style: { type: 'list', choices: ['a', 'b', 'c'], default: ['a'], help: 'styles' },
    idle: { type: 'int-list', min: 0, max: 10, help: 'counts' },
    verbose: { type: 'switch', help: 'say more' },
  },
  conflicts: [['path', ['host', 'port'], 'one or the other']],
} as const satisfies CommandSpec<Flags>;

const parse = (argv: string[]) => {
  const r = parseArgs(spec, argv);
  assert.notEqual(r, HELP);
  if (r === HELP) throw new Error('unreachable');
  return r;
};

/** Asserts that `argv` is a usage error whose message matches `message`. */
function refused(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseArgs(spec, argv),
    (e: unknown) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.equal(e.code, 'NBIO_INVALID_ARGUMENT');
      assert.match(e.message, message);
      assert.match(e.usage, /^usage: nbio probe /);
      return true;
    },
    argv.join(' '),
  );
}

describe('parseStrictInt', () => {
  test('decimal digits in range only', () => {
    assert.equal(parseStrictInt('0', 0, 10, 'x'), 0);
    assert.equal(parseStrictInt('65535', 0, 65535, 'x'), 65535);
    assert.equal(parseStrictInt('-5', -10, 10, 'x'), -5);
    for (const bad of [
      '',
      ' 1',
      '1 ',
      '0x10',
      '1e4',
      '1.0',
      '+1',
      '010',
      '-1',
      '70000',
      'NaN',
      'Infinity',
      '1_000',
    ]) {
      assert.throws(
        () => parseStrictInt(bad, 0, 65535, '--port'),
        /--port must be a whole number from 0 to 65535/,
        bad,
      );
    }
  });
});

describe('parseArgs', () => {
  test('defaults, values, both spellings, lists and switches', () => {
    const d = parse([]);
    assert.deepEqual(d.values, { port: 7000, style: ['a'], verbose: false });
    assert.equal(d.given.size, 0);
    const v = parse([
      '--port',
      '80',
      '--host=example',
      '--style',
      'b,c',
      '--style',
      'a',
      '--verbose',
      '--idle',
      '0,10',
    ]);
    assert.equal(v.values.port, 80);
    assert.equal(v.values.host, 'example');
    assert.deepEqual(v.values.style, ['b', 'c', 'a']);
    assert.deepEqual(v.values.idle, [0, 10]);
    assert.equal(v.values.verbose, true);
    assert.deepEqual([...v.given].sort(), ['host', 'idle', 'port', 'style', 'verbose']);
  });

  test('--help and -h anywhere before --', () => {
    assert.equal(parseArgs(spec, ['--help']), HELP);
    assert.equal(parseArgs(spec, ['--port', '1', '-h']), HELP);
    assert.equal(parseArgs(spec, ['--bogus', '--port', '0x1', '--help']), HELP, 'help wins over misuse');
  });

  test('misuse is refused naming the flag and what was given', () => {
    refused(['--bogus'], /unknown option "--bogus"; nbio probe takes --port, --host/);
    refused(['--bogus=1'], /unknown option "--bogus"/);
    refused(['stray'], /unexpected argument "stray": nbio probe takes no arguments/);
    refused(['--port'], /--port needs a value <n>/);
    refused(['--host', '--port', '1'], /--host needs a value/);
    refused(['--port', ''], /--port must be a whole number from 0 to 65535.*got ""/);
    refused(['--port', '0x4e21'], /got "0x4e21"/);
    refused(['--port', '1e4'], /got "1e4"/);
    refused(['--port', '-1'], /got "-1"/);
    refused(['--port', '70000'], /got "70000"/);
    refused(['--port', '1', '--port', '2'], /--port was given twice/);
    refused(['--backend', 'kqueue2'], /--backend must be one of select, poll; got "kqueue2"/);
    refused(['--style', 'a,,b'], /--style takes comma-separated values/);
    refused(['--style', 'd'], /--style must be one of a, b, c; got "d"/);
    refused(['--idle', '1,x'], /--idle must be a whole number from 0 to 10.*got "x"/);
    refused(['--verbose=yes'], /--verbose takes no value/);
    refused(['--host', ''], /--host needs a value; got an empty string/);
    refused(['--path', '/tmp/s', '--port', '1'], /--path cannot be combined with --port: one or the other/);
    refused(['--path', '/tmp/s', '--host', 'h', '--port', '1'], /with --host or --port/);
  });

  test('operands: after -- only when the spec says so, counted', () => {
    const withOps = {
      name: 'run',
      summary: 's',
      flags: { out: { type: 'string', default: 'x', help: 'o' } },
      operands: { usage: '<script> [args…]', min: 1, afterDashDash: true },
    } as const satisfies CommandSpec<Flags>;
    const r = parseArgs(withOps, ['--out', 'y', '--', 'app.js', '--flag', '-h']);
    assert.ok(r !== HELP);
    assert.deepEqual(r.operands, ['app.js', '--flag', '-h']);
    assert.throws(() => parseArgs(withOps, ['app.js']), /put <script> \[args…\] after --/);
    assert.throws(() => parseArgs(withOps, ['--out', 'y']), /nbio run needs -- <script>/);
    assert.throws(() => parseArgs(spec, ['--', 'x']), /nbio probe takes no arguments/);
  });
});

describe('usage and commands', () => {
  test('the usage lists every flag with its value, help and default', () => {
    const u = formatUsage(spec);
    assert.match(u, /^usage: nbio probe \[--port <n>\] \[--host <host>\]/);
    assert.match(u, /--port <n>\s+TCP port \(default 7000\)/);
    assert.match(u, /--backend <select\|poll>\s+backend/);
    assert.match(u, /--verbose\s+say more/);
    assert.match(u, /--help\s+this text/);
  });

  test('defineCommand: --help prints the usage and runs nothing; values arrive typed', async () => {
    let ran = 0;
    const cmd = defineCommand(spec, ({ values }) => {
      ran++;
      return values.port === 7000 ? 0 : 3;
    });
    assert.equal(cmd.name, 'probe');
    assert.equal(await cmd.run([]), 0);
    assert.equal(await cmd.run(['--port', '1']), 3);
    assert.equal(ran, 2);
    const log = console.log;
    const out: string[] = [];
    console.log = (s: string) => out.push(s);
    try {
      assert.equal(await cmd.run(['--help']), 0);
    } finally {
      console.log = log;
    }
    assert.equal(ran, 2, '--help runs nothing');
    assert.equal(out.join('\n'), cmd.usage);
    await assert.rejects(cmd.run(['--nope']), UsageError);
  });
});
