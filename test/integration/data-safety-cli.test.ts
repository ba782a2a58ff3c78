// Issue 9, defect 4 as a user meets it: `nbio echo --backend select` with more clients than
// select can watch prints each refused connection (NBIO_FD_TOO_LARGE and the way out) and the
// count when it stops, instead of closing them silently.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '../../src/selector/default-selector.ts';
import { sys } from '../../src/sys/constants.ts';
import { close } from '../../src/sys/fd.ts';
import { getNoFileLimit } from '../../src/sys/rlimit.ts';
import { connect, socket } from '../../src/sys/socket.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The test and the server each need descriptors past FD_SETSIZE. */
const fewFds =
  (Number(getNoFileLimit().soft) < sys.FD_SETSIZE + 256 &&
    'RLIMIT_NOFILE is too low to open fds past FD_SETSIZE') ||
  (!availableBackends().includes('select') && 'no select backend here');

test(
  'nbio echo on select reports connections refused for fd ≥ FD_SETSIZE',
  { timeout: 30_000, skip: fewFds },
  async () => {
    const child = spawn(process.execPath, ['bin/nbio.mjs', 'echo', '--backend', 'select', '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`nbio echo exited early with ${code}: ${err}`)));
    });
    // Enough clients that the server's accepted descriptors pass FD_SETSIZE (it has ~20 open).
    const clients: number[] = [];
    try {
      for (let i = 0; i < sys.FD_SETSIZE + 20; i++) {
        const fd = socket(sys.AF_INET, 'stream');
        clients.push(fd);
        connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
      }
      const until = Date.now() + 15_000;
      while (!/NBIO_FD_TOO_LARGE/.test(err) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
    } finally {
      for (const fd of clients) close(fd);
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'exits cleanly on SIGTERM');
    const refusals = err.split('\n').filter((l) => l.includes('[NBIO_FD_TOO_LARGE]'));
    assert.ok(refusals.length > 0, `refusals were printed: ${err.slice(0, 2000)}`);
    assert.match(refusals[0] ?? '', /Refused a connection on fd \d+: the select selector .* poll or epoll/);
    assert.match(
      err,
      new RegExp(`SIGTERM, closing \\(\\d+ connections open, ${refusals.length} refused: fd too large`),
    );
  },
);
