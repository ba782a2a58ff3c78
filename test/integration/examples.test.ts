// The three echo examples (raw loop callbacks, Transport/Protocol, async/await streams) run as a
// user runs them (`tsx examples/<name>.ts 0`), serve a Python client a 1 MB payload followed by
// a half-close, and stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const client = fileURLToPath(new URL('./fixtures/echo_client.py', import.meta.url));
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;

describe('examples', { skip: python ? false : 'python3 not found' }, () => {
  for (const name of ['echo-callbacks', 'echo-protocol', 'echo-streams']) {
    test(`examples/${name}.ts echoes 1 MB and a half-close`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`, '0'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`${name} exited early with ${code}`)));
      });
      const size = name === 'echo-callbacks' ? 100_000 : 1_000_000; // the raw example drops what send() does not take
      const r = spawnSync(python!, [client, String(port), String(size)], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.stdout.trim(), `${size} True`, r.stderr);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    });
  }
});
