// `nbio lab` as a user starts it (a child process): it prints the page's address, serves the
// page, the state and the controls from nbio's own HTTP server (read here with Node's fetch as
// a peer), refuses misuse with exit 2, and stops cleanly on SIGINT.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { availableBackends } from '../../src/selector/default-selector.ts';

const bin = new URL('../../bin/nbio.mjs', import.meta.url).pathname;

test('nbio lab: page, state and step over HTTP; SIGINT stops it', { timeout: 30_000 }, async () => {
  const backend = availableBackends().includes('poll') ? 'poll' : 'select';
  const child = spawn(process.execPath, [bin, 'lab', '--port', '0', '--backend', backend], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`nbio lab did not start: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`nbio lab exited with ${code}: ${out}`)));
    });
    const page = await fetch(base);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>nbio lab<\/title>/);
    const state = (await (await fetch(`${base}api/state`)).json()) as { stats: { backend: string } };
    assert.equal(state.stats.backend, backend);
    const step = async () =>
      (await (await fetch(`${base}api/step`, { method: 'POST' })).json()) as {
        record: { iteration: number };
      };
    const a = await step();
    const b = await step();
    assert.equal(b.record.iteration, a.record.iteration + 1);
    const bad = await fetch(`${base}api/backend?name=nope`, { method: 'POST' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'NBIO_INVALID_ARGUMENT');
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0);
});

test('nbio lab refuses a bad flag with exit 2', () => {
  const r = spawnSync(process.execPath, [bin, 'lab', '--port', 'x'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: nbio lab/);
});
