// nbio's HTTP client against nginx (Debian `nginx-light`), started here on a free loopback
// port with a temporary prefix and config, on every loop configuration: a fixed body, a static
// file of 1 MiB, a chunked response (sub_filter drops the length), a chunked upload stored by
// the WebDAV module and read back, a redirect, and keep-alive reuse counted by nginx's
// stub_status. Skipped, with the reason printed, when nginx is not installed.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { fetch } from '../../src/http/client/fetch.ts';
import { HttpClient } from '../../src/http/client/http-client.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';
import { onEachLoop } from './fixtures/http-client-harness.ts';

function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return p;
    } catch {}
  }
  return null;
}

const nginx = findNginx();
const skip = nginx === null ? 'nginx is not installed (Debian: apt-get install nginx-light)' : false;
if (skip) console.log(`# skipping the nginx tests: ${skip}`);

/** A free loopback port (bound and released; nginx takes it a moment later). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nginx did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nbio HTTP client against nginx', { skip }, () => {
  let dir = '';
  let base = '';
  let child: ChildProcess | null = null;
  const file = randomBytes(1024 * 1024);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nbio-nginx-'));
    for (const d of ['www', 'dav', 'tmp']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'www', 'file.bin'), file);
    writeFileSync(join(dir, 'www', 'text.txt'), 'nginx rewrites this body\n');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const t = join(dir, 'tmp');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${t}/body;
  proxy_temp_path ${t}/proxy;
  fastcgi_temp_path ${t}/fastcgi;
  uwsgi_temp_path ${t}/uwsgi;
  scgi_temp_path ${t}/scgi;
  keepalive_timeout 60s;
  keepalive_requests 1000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    location = /hello { default_type text/plain; return 200 "hello from nginx"; }
    location = /redirect { return 302 /hello; }
    location = /status { stub_status; }
    location /www/ { alias ${dir}/www/; }
    location = /chunked.txt {
      alias ${dir}/www/text.txt; default_type text/plain;
      sub_filter_types text/plain; sub_filter 'rewrites' 'rewrote'; sub_filter_once off;
    }
    location /dav/ {
      alias ${dir}/dav/; dav_methods PUT DELETE; create_full_put_path on; client_max_body_size 16m;
    }
  }
}
`,
    );
    child = spawn(nginx as string, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], {
      stdio: 'inherit',
    });
    await waitForPort(port, 5000);
  });

  after(async () => {
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** nginx's count of accepted connections (stub_status), over a connection of its own. */
  async function accepted(loop: EventLoop): Promise<number> {
    const probe = new HttpClient(loop);
    try {
      const text = await (await probe.request(`${base}/status`)).text();
      const m = /\n\s*(\d+)\s+\d+\s+\d+/.exec(text);
      return Number(m?.[1]);
    } finally {
      probe.close();
    }
  }

  onEachLoop(
    'fixed body, static file, chunked response, redirect; keep-alive counted by nginx',
    async (loop) => {
      const client = new HttpClient(loop);
      try {
        const before = await accepted(loop);
        const hello = await fetch(loop, `${base}/hello`, { client });
        assert.equal(hello.status, 200);
        assert.match(hello.headers.get('server') ?? '', /^nginx/);
        assert.equal(await hello.text(), 'hello from nginx');
        const big = await fetch(loop, `${base}/www/file.bin`, { client });
        assert.equal(big.headers.get('content-length'), String(file.length));
        assert.deepEqual(await big.buffer(), file);
        const chunked = await fetch(loop, `${base}/chunked.txt`, { client });
        assert.equal(chunked.headers.get('transfer-encoding'), 'chunked');
        assert.equal(await chunked.text(), 'nginx rewrote this body\n');
        const redirected = await fetch(loop, `${base}/redirect`, { client });
        assert.equal(redirected.redirected, true);
        assert.equal(await redirected.text(), 'hello from nginx');
        const missing = await fetch(loop, `${base}/www/none`, { client });
        assert.equal(missing.status, 404);
        await missing.text();
        assert.equal(
          (await accepted(loop)) - before,
          2,
          'one connection for the client, one for the first probe',
        );
        assert.equal(client.stats().connected, 1);
      } finally {
        client.close();
      }
    },
  );

  onEachLoop('a chunked upload (no length) is stored by nginx and read back whole', async (loop, config) => {
    const client = new HttpClient(loop);
    try {
      const name = `${config.backend}-${config.mode}.bin`;
      async function* pieces() {
        for (let i = 0; i < 16; i++) yield file.subarray(i * 65536, (i + 1) * 65536);
      }
      const put = await fetch(loop, `${base}/dav/${name}`, { client, method: 'PUT', body: pieces() });
      assert.ok(put.status === 201 || put.status === 204, `PUT answered ${put.status}`);
      await put.text();
      const back = await fetch(loop, `${base}/dav/${name}`, { client });
      assert.deepEqual(await back.buffer(), file);
      const fixed = await fetch(loop, `${base}/dav/fixed-${name}`, {
        client,
        method: 'PUT',
        body: file.subarray(0, 1000),
      });
      await fixed.text();
      assert.equal(
        (await (await fetch(loop, `${base}/dav/fixed-${name}`, { client })).buffer()).length,
        1000,
      );
    } finally {
      client.close();
    }
  });
});
