// nbio trace: runs a program with NBIO_TRACE set, checks the file it wrote, and draws a
// timeline; bad command lines get typed errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { validateTrace } from '../trace/trace-validate.ts';
import { traceCommand } from './trace.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('nbio trace --out --svg -- <script>: a valid trace of the program and a timeline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nbio-cli-trace-'));
  try {
    const out = join(dir, 't.json');
    const svg = join(dir, 't.svg');
    const { stdout, stderr } = await run(
      process.execPath,
      [
        join(root, 'bin/nbio.mjs'),
        'trace',
        '--out',
        out,
        '--svg',
        svg,
        '--',
        join(root, 'src/trace/test-support.ts'),
        'poll',
        '4',
        '10',
      ],
      { timeout: 30_000 },
    );
    assert.match(stdout, /round trips: 40/, 'the program ran with its own arguments and output');
    assert.match(stderr, /\d+ iterations, \d+ callbacks, 0 watchdog stalls; valid trace-event JSON/);
    assert.deepEqual(validateTrace(JSON.parse(readFileSync(out, 'utf8'))).problems, []);
    const picture = readFileSync(svg, 'utf8');
    assert.match(picture, /^<svg/);
    assert.match(picture, /nbio loop 1 \(poll, owner\)/);
    assert.match(picture, /blocked in the kernel/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nbio trace: misuse is a usage error with a stable code, and nothing runs', async () => {
  for (const argv of [
    [],
    ['--out', 'x.json'],
    ['--window-ms', '-1', '--', 'a.js'],
    ['--color', 'red', '--', 'a.js'],
    ['app.js'],
  ]) {
    await assert.rejects(traceCommand.run(argv), code('NBIO_INVALID_ARGUMENT'), argv.join(' '));
  }
  assert.match(traceCommand.usage, /-- <script> \[args…\]/);
});
