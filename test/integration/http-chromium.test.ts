// nbio's HTTP server served to a real browser: Debian's headless Chromium, on select, poll and
// epoll. Chromium loads `GET /` (its body must be in the dumped DOM), then a page whose script
// POSTs to `/echo` with fetch() and writes the echoed text into the DOM; `--dump-dom` after a
// `--virtual-time-budget` prints it. The server is serve() in this process on an owner-mode loop
// that the test drives one runOnce() at a time between Node's own turns (Chromium is a child
// process: its exit is seen on Node's loop). Skipped, with the reason, without /usr/bin/chromium.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { serve } from '../../src/http/server/http-server.ts';
import { PlainResponse } from '../../src/http/server/plain-response.ts';
import type { ServerRequest } from '../../src/http/server/server-request.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { availableBackends } from '../../src/selector/default-selector.ts';
import type { SelectorName } from '../../src/selector/selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from './fixtures/chromium.ts';

const skip = chromiumSkip;
if (skip) console.log(`# http-chromium test skipped: ${skip}`);

const run = promisify(execFile);
const SENT = 'ping from chromium: ünïcödé ✓';

/** The page: POSTs SENT to /echo and puts the answer (status and text) into #out. */
const PAGE = `<!doctype html><html><body><pre id="out">waiting</pre><script>
fetch('/echo', { method: 'POST', body: ${JSON.stringify(SENT)} })
  .then(async (r) => { document.getElementById('out').textContent = 'echo ' + r.status + ': ' + await r.text(); })
  .catch((e) => { document.getElementById('out').textContent = 'failed: ' + e; });
</script></body></html>`;

async function handler(req: ServerRequest): Promise<PlainResponse> {
  const path = new URL(req.url).pathname;
  if (req.method === 'GET' && path === '/')
    return new PlainResponse('hello world', { headers: { 'content-type': 'text/plain' } });
  if (req.method === 'GET' && path === '/page')
    return new PlainResponse(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  if (req.method === 'POST' && path === '/echo')
    return new PlainResponse(await req.bytes(), { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return new PlainResponse('not found', { status: 404 });
}

/** Runs `loop` one iteration at a time (at most 5 ms each) between Node's turns until `work` settles. */
async function pumpUntil<T>(loop: EventLoop, work: Promise<T>): Promise<T> {
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  done.catch(() => {});
  while (!settled) {
    loop.runOnce(5);
    await new Promise((r) => setImmediate(r));
  }
  return done;
}

/** Chromium's DOM of `url` after the page's scripts ran (bounded in virtual and real time). */
function dumpDom(url: string, profile: string): Promise<string> {
  const args = [
    ...CHROMIUM_ARGS,
    `--user-data-dir=${profile}`,
    '--virtual-time-budget=3000',
    '--dump-dom',
    url,
  ];
  return run(CHROMIUM, args, { timeout: 12_000, maxBuffer: 1 << 20 }).then((r) => r.stdout);
}

const backends = availableBackends().filter((b): b is SelectorName =>
  ['select', 'poll', 'epoll'].includes(b),
);

describe('nbio http served to headless Chromium', { skip }, () => {
  for (const backend of backends) {
    test(`${backend}: GET / and a page's fetch() POST /echo`, { timeout: 30_000 }, async () => {
      const fds = fdSnapshot();
      const profile = mkdtempSync(join(tmpdir(), `nbio-http-chromium-${backend}-`));
      const loop = new EventLoop({ selector: backend, mode: 'owner' });
      const server = serve(loop, handler, { host: '127.0.0.1', port: 0 });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const hello = await pumpUntil(loop, dumpDom(`${base}/`, profile));
        assert.match(hello, /<pre[^>]*>hello world<\/pre>/, `Chromium's DOM of GET /: ${hello}`);
        const echoed = await pumpUntil(loop, dumpDom(`${base}/page`, profile));
        assert.ok(echoed.includes(`echo 200: ${SENT}`), `Chromium's DOM after the POST: ${echoed}`);
        assert.ok(server.stats().requests >= 3, 'GET /, GET /page and POST /echo reached the server');
      } finally {
        await pumpUntil(loop, server.close({ timeoutMs: 2000 }));
        loop.close();
        rmSync(profile, { recursive: true, force: true });
      }
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
    });
  }
});
