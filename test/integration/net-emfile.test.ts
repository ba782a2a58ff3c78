// EMFILE on accept, on every backend, in a child process (it lowers its own RLIMIT_NOFILE):
// the server neither spins nor drops its listener while out of descriptors, and accepts the
// waiting clients once descriptors are free. See fixtures/emfile-child.ts for the steps.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '../../src/selector/default-selector.ts';

const fixture = fileURLToPath(new URL('./fixtures/emfile-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A spinning server retries accept() on every iteration: thousands in the window (measured:
 * 4,000–8,000 in 300 ms with the back-off removed). Backing off for 100 ms gives a handful.
 */
const MAX_ITERATIONS_IN_WINDOW = 50;

function runChild(backend: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, backend], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ exitCode: code, stderr: err, ...JSON.parse(line) });
      } catch {
        reject(new Error(`child (${backend}) exited ${code} without JSON; stdout: ${out}; stderr: ${err}`));
      }
    });
  });
}

for (const backend of availableBackends()) {
  test(`EMFILE on accept (${backend}): no spinning, listener kept, accepting resumes`, async () => {
    const r = await runChild(backend);
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.ok((r.emfilePausesInWindow as number) >= 1, 'accept() did hit EMFILE');
    assert.ok(
      (r.acceptedWhileExhausted as number) < (r.clients as number),
      'the limit stopped accepting before every client was taken',
    );
    assert.ok(
      (r.iterationsInWindow as number) < MAX_ITERATIONS_IN_WINDOW,
      `the loop idled while out of descriptors: ${r.iterationsInWindow} iterations in ${r.windowMs} ms`,
    );
    assert.equal(r.listeningWhileExhausted, true, 'the server kept listening');
    assert.equal(r.listenerFdOpen, true, 'the listening descriptor stayed open');
    assert.equal(r.acceptedAfterFreeing, r.clients, 'every waiting client was accepted once fds were free');
    assert.equal(r.loopExceptions, 0, 'EMFILE is handled, not reported as an exception');
    assert.equal(r.fdsLeaked, 0, 'the child closed every descriptor it opened');
  });
}
