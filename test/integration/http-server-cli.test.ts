// `nbio http` in a child process (once per backend: select, poll, epoll), served to real clients
// nobody here wrote: Node's fetch (undici), curl and Python's http.client. GET / is hello world,
// POST and PUT /echo echo the body (Content-Length or chunked), anything else is 404; keep-alive
// connections are reused; SIGTERM stops the server cleanly.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { availableBackends } from '../../src/selector/default-selector.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/nbio.mjs', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const hasCurl = existsSync('/usr/bin/curl');

function startServer(backend: string): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'http', '--port', '0', '--backend', backend], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`nbio http did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, base: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`nbio http exited with ${code}: ${out}`)));
  });
}

const PY_CLIENT = `
import http.client, json, sys
port = int(sys.argv[1])
c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
out = []
c.request('GET', '/')
r = c.getresponse(); out.append([r.status, r.read().decode(), r.getheader('content-type')])
c.request('POST', '/echo', body=b'p' * 50000)
r = c.getresponse(); b = r.read(); out.append([r.status, len(b), b == b'p' * 50000])
c.request('PUT', '/echo', body=iter([b'one ', b'two ', b'three']), encode_chunked=True)
r = c.getresponse(); out.append([r.status, r.read().decode()])
c.request('GET', '/missing')
r = c.getresponse(); r.read(); out.append([r.status])
c.close()
print(json.dumps(out))
`;

for (const backend of availableBackends().filter((b) => b !== 'kqueue')) {
  describe(`nbio http (${backend})`, () => {
    let server: { child: ChildProcess; base: string };
    before(async () => {
      server = await startServer(backend);
    });
    after(async () => {
      const exited = new Promise<number | null>((r) => server.child.once('exit', (code) => r(code)));
      server.child.kill('SIGTERM');
      assert.equal(await exited, 0, 'a clean exit on SIGTERM');
    });

    test("Node's fetch: hello, echo by length and chunked (100 KiB), 404", async () => {
      const hello = await fetch(server.base);
      assert.equal(hello.status, 200);
      assert.equal(hello.headers.get('content-type'), 'text/plain');
      assert.equal(await hello.text(), 'hello world');
      const body = Buffer.alloc(100 * 1024, 7);
      const echoed = await fetch(`${server.base}echo`, { method: 'POST', body });
      assert.deepEqual(Buffer.from(await echoed.arrayBuffer()), body);
      const parts = ['x'.repeat(30000), 'y'.repeat(30000), 'z'];
      const stream = new ReadableStream<Uint8Array>({
        pull(ctl) {
          const p = parts.shift();
          if (p === undefined) ctl.close();
          else ctl.enqueue(new TextEncoder().encode(p));
        },
      });
      const chunked = await fetch(`${server.base}echo`, {
        method: 'PUT',
        body: stream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(chunked.headers.get('transfer-encoding'), 'chunked');
      assert.equal(await chunked.text(), `${'x'.repeat(30000)}${'y'.repeat(30000)}z`);
      const missing = await fetch(`${server.base}nope`);
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
    });

    test(
      'curl: keep-alive reuse, chunked upload, HEAD',
      { skip: hasCurl ? false : 'curl is not installed' },
      async () => {
        const two = await run('curl', ['-sv', server.base, server.base], { encoding: 'utf8' });
        assert.equal(two.stdout, 'hello worldhello world');
        assert.match(two.stderr, /Re-using existing connection/);
        const up = await run(
          'sh',
          [
            '-c',
            `printf 'from curl, chunked' | curl -s -X POST -H 'Transfer-Encoding: chunked' --data-binary @- ${server.base}echo`,
          ],
          { encoding: 'utf8' },
        );
        assert.equal(up.stdout, 'from curl, chunked');
        const head = await run('curl', ['-sI', server.base], { encoding: 'utf8' });
        assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(head.stdout, /Content-Length: 11\r\n/);
      },
    );

    test("Python's http.client: GET, POST 50 kB, chunked PUT, 404 on one connection", async () => {
      const { stdout } = await run(PYTHON, ['-c', PY_CLIENT, new URL(server.base).port], {
        encoding: 'utf8',
      });
      assert.deepEqual(JSON.parse(stdout), [
        [200, 'hello world', 'text/plain'],
        [200, 50000, true],
        [200, 'one two three'],
        [404],
      ]);
    });
  });
}
