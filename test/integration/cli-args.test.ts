// The `nbio` command as a user meets it: every misuse listed in issue 8 is run as a real process
// (bin/nbio.mjs) and answered with its exit code and a message that names the flag and the value;
// --help works on every command; a closed stdout ends quietly; rosetta shows rows as it goes.
// (The tour's explanations: cli-tour.test.ts.)
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMMANDS, main } from '../../src/cli/main.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/nbio.mjs', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nbio …args` to the end (at most 30 s). */
function nbio(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `main(args)` in this process, capturing what it prints: the same code path as the
 * command (parsing, usage, exit code), without a process start per case.
 */
async function inProcess(args: readonly string[]): Promise<Outcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => stdout.push(`${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => stderr.push(`${a.join(' ')}\n`);
  try {
    const code = await main(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Runs every case, three processes at a time (each start loads tsx: about a second). */
async function all<T>(cases: readonly T[], run: (c: T) => Promise<void>): Promise<void> {
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) await run(c);
  };
  await Promise.all([worker(), worker(), worker()]);
}

describe('nbio: misuse is refused with the usage, exit 2', () => {
  const cases: { args: string[]; message: RegExp }[] = [
    {
      args: ['demo', '--backend', 'poll', '--bogus'],
      message: /unknown option "--bogus"; nbio demo takes --backend/,
    },
    { args: ['demo', 'extra'], message: /unexpected argument "extra": nbio demo takes no arguments/ },
    { args: ['tour', 'now'], message: /unexpected argument "now"/ },
    { args: ['echo', '--port', ''], message: /--port must be a whole number from 0 to 65535.*got ""/ },
    { args: ['echo', '--port', '0x4e21'], message: /--port must be a whole number .*got "0x4e21"/ },
    { args: ['echo', '--port', '1e4'], message: /--port .*got "1e4"/ },
    { args: ['echo', '--port', '-1'], message: /--port .*got "-1"/ },
    { args: ['echo', '--port', '70000'], message: /--port .*got "70000"/ },
    { args: ['echo', '--port'], message: /--port needs a value/ },
    { args: ['echo', '--backend', 'iocp'], message: /--backend must be one of .*got "iocp"/ },
    {
      args: ['echo', '--path', '/tmp/nbio-cli-test.sock', '--host', '127.0.0.1', '--port', '22001'],
      message:
        /--path cannot be combined with --host or --port: the server listens on a Unix socket path or on a host and port/,
    },
    { args: ['http', '--port=8o8o'], message: /--port .*got "8o8o"/ },
    {
      args: ['rosetta', '--rounds', '1e2'],
      message: /--rounds must be a whole number from 1 to 1000.*got "1e2"/,
    },
    { args: ['rosetta', '--style', 'cobol'], message: /--style must be one of raw-callbacks, protocol/ },
  ];
  const check = (args: readonly string[], message: RegExp, r: Outcome) => {
    const what = `nbio ${args.join(' ')}: ${r.stderr}`;
    assert.equal(r.code, 2, what);
    assert.match(r.stderr, new RegExp(`^nbio ${args[0]}: ${message.source}`), what);
    assert.match(r.stderr, new RegExp(`\\n\\nusage: nbio ${args[0]} `), `${what} (the usage follows)`);
    assert.equal(r.stdout, '', `${what}: nothing ran`);
  };
  test(`${cases.length} misuses, each refused before anything runs (in process, through main())`, async () => {
    for (const { args, message } of cases) check(args, message, await inProcess(args));
  });
  test('the same, as real processes: an unknown flag, a bad number, conflicting flags', () =>
    all([cases[0], cases[4], cases[10]], async (c) => {
      assert.ok(c !== undefined);
      check(c.args, c.message, await nbio(c.args));
    }));

  test('an unknown command lists the commands, exit 2', async () => {
    const r = await inProcess(['serve']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nbio: unknown command "serve"\.\n\nusage: nbio <command>/);
  });
});

describe('nbio: --help everywhere', () => {
  test('nbio --help lists every command', async () => {
    const r = await nbio(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c.name} +\\S`, 'm'), c.name);
    assert.equal((await nbio([])).stdout, r.stdout, 'no command: the same list');
  });

  test('every command prints its usage on --help and runs nothing (exit 0)', async () => {
    for (const { name } of COMMANDS) {
      const r = await inProcess([name, '--help']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: nbio ${name}\\b`), name);
      assert.match(r.stdout, /--help/, name);
      assert.doesNotMatch(
        r.stdout,
        /^nbio \w+: |^listening on|round trips in/m,
        `${name} --help ran nothing`,
      );
      assert.equal((await inProcess(['help', name])).stdout, r.stdout, `nbio help ${name}`);
    }
    const echo = await nbio(['echo', '--help']);
    assert.equal(echo.code, 0, echo.stderr);
    assert.match(echo.stdout, /^usage: nbio echo \[--backend/);
  });
});

describe('nbio: host names and closed pipes', () => {
  test('a --host that does not resolve: a message for the terminal, exit 1, no library advice', async () => {
    const r = await nbio(['echo', '--host', 'no-such-host.invalid', '--port', '22002']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^nbio echo: --host "no-such-host\.invalid" does not resolve to an address \(.+\); give an IP address of this machine instead: 127\.0\.0\.1 \(this machine only\) or 0\.0\.0\.0 \(every interface\)\. \[NBIO_NAME_NOT_RESOLVED\]\n$/,
    );
    assert.doesNotMatch(r.stderr, /resolve\(\)|at /, 'no library advice, no stack');
  });

  test('--host localhost is resolved with nbio’s resolver, then the server listens on its address', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'echo', '--host', 'localhost', '--port', '0', '--backend', 'poll'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.split('\n')[0] ?? '');
        }
      });
    });
    child.kill('SIGTERM');
    assert.match(line, /^listening on (127\.0\.0\.1|\[::1\]):\d+$/);
    assert.equal(await exited, 0, 'SIGTERM stops it cleanly');
  });

  test('nbio demo | head -1: the first line, then a quiet exit 0 (no EPIPE)', async () => {
    const r = await new Promise<Outcome>((resolve) => {
      execFile(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${bin}" demo 2>/tmp/nbio-cli-epipe.$$ | head -1; s=\${PIPESTATUS[0]}; cat /tmp/nbio-cli-epipe.$$ >&2; rm -f /tmp/nbio-cli-epipe.$$; exit $s`,
        ],
        { cwd: root, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr }),
      );
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^nbio demo: one echo server/);
    assert.equal(r.stdout.split('\n').length, 2, 'one line');
    assert.equal(r.stderr, '', 'nothing on stderr: no EPIPE, no stack');
  });
});

describe('nbio: progress and explanations', () => {
  test('rosetta prints each style’s row as that style finishes, and explains its columns', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'rosetta', '--style', 'raw-callbacks,protocol', '--rounds', '1'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const seen: { line: string; atMs: number }[] = [];
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) seen.push({ line, atMs: performance.now() });
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, seen.map((s) => s.line).join('\n'));
    const at = (re: RegExp) => seen.find((s) => re.test(s.line))?.atMs ?? Number.NaN;
    const header = at(/^style +lines +iterations/);
    const first = at(/^raw-callbacks +\d+/);
    const second = at(/^protocol +\d+/);
    // Measuring a style starts a child process for its clients: far more than 20 ms. Rows
    // printed all at the end would arrive together.
    assert.ok(first - header > 20, `the header came first, then the first row (${first - header} ms)`);
    assert.ok(second - first > 20, `the second row came after its own measurement (${second - first} ms)`);
    const text = seen.map((s) => s.line).join('\n');
    assert.match(
      text,
      /^lines = lines of code of examples\/rosetta\/<style>\.ts, blank lines and comments not counted;$/m,
    );
  });
});
