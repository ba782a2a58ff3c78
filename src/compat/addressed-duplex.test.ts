// ref()/unref() on compat sockets and servers, as net's: in child processes on the default guest
// loop, where "the process exited on its own" is a fact. A process with an unref()ed server, an
// unref()ed connection, a socket paused before it connected, or only a socket timeout pending
// exits; the same program with ref()ed handles is still running when it is killed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const mod = (file: string): string => JSON.stringify(new URL(file, import.meta.url).href);
const PRELUDE = `
import { connect, createServer } from ${mod('./index.ts')};
const say = (s) => process.stdout.write(s + '\\n');
`;

/** Runs `body` in `node --import tsx`; killed (signal set) if still running after `killAfterMs`. */
function runChild(
  body: string,
  killAfterMs: number,
): { lines: string[]; signal: string | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PRELUDE + body], {
    encoding: 'utf8',
    timeout: killAfterMs,
    killSignal: 'SIGKILL',
  });
  return { lines: r.stdout.split('\n').filter(Boolean), signal: r.signal, stderr: r.stderr };
}

// A server and one open connection whose peer reads; `UNREF` decides who is unref()ed.
const program = (unref: boolean) => `
const server = createServer((s) => { ${unref ? 's.unref();' : ''} s.resume(); });
${unref ? 'server.unref();' : ''}
server.listen(0, '127.0.0.1', () => {
  const c = connect(server.address().port, '127.0.0.1', () => {
    ${unref ? 'c.unref();' : ''}
    say('connected ' + c.hasRef());
  });
  c.setTimeout(60_000); // a socket timeout never holds the process (net's are unref'd)
});
`;

test('unref()ed compat server and sockets let the process exit; a pending socket timeout does not hold it', () => {
  const r = runChild(program(true), 10_000);
  assert.equal(r.signal, null, `the child had to be killed: it did not exit (stderr: ${r.stderr})`);
  assert.deepEqual(r.lines, ['connected false']);
});

test('control: the same program with referenced handles keeps running', async () => {
  // Killed a fixed time after it said "connected", not after it started: under load the child's
  // start (tsx compiling nbio) alone can take longer than any fixed bound.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', PRELUDE + program(false)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const startedBy = Date.now() + 30_000;
    while (!stdout.includes('\n') && child.exitCode === null && Date.now() < startedBy) await sleep(20);
    assert.deepEqual(stdout.split('\n').filter(Boolean), ['connected true'], `stderr: ${stderr}`);
    await sleep(1_000);
    assert.equal(child.exitCode, null, `ref()ed handles keep the process alive (stderr: ${stderr})`);
    assert.equal(child.signalCode, null);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
});

test('a socket paused before it connected reads nothing and holds nothing open (net: no readStart)', () => {
  const r = runChild(
    `
const server = createServer((s) => { s.unref(); s.write('hello'); });
server.unref();
server.listen(0, '127.0.0.1', () => {
  const c = connect(server.address().port, '127.0.0.1', () => say('connected'));
  c.pause();
  c.on('data', () => say('must not read while paused'));
});
`,
    10_000,
  );
  assert.equal(r.signal, null, `the child had to be killed: it did not exit (stderr: ${r.stderr})`);
  assert.deepEqual(r.lines, ['connected']);
});
