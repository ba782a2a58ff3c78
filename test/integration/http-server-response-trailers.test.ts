// Response trailers from the low-level API (ResponseWriter.addTrailers), on every loop
// configuration: a chunked body ends with the fields after the last chunk, announced in a
// `Trailer` field when the head had not gone out; refused with NBIO_INVALID_ARGUMENT on a
// Content-Length response, to an HTTP/1.0 client and for a field that frames the message. Read
// back by a raw client, by nbio's own client (`response.trailers` after the body), and by curl
// (`curl --raw` prints the chunked body as sent) on select, poll and epoll. The fetch-shaped way:
// `trailers` in the init of a PlainResponse or of `new Response(...)` under serve()'s default
// (LightResponse), as fields (announced) or a promise (awaited after the body), with a string or
// a stream body; an HTTP/1.0 client gets the body without them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { fetch } from '../../src/http/client/fetch.ts';
import { HttpClient } from '../../src/http/client/http-client.ts';
import type { Exchange } from '../../src/http/server/http-connection.ts';
import { serve, serveRaw } from '../../src/http/server/http-server.ts';
import { PlainResponse } from '../../src/http/server/plain-response.ts';
import { onLoop, RawClient } from '../../src/http/server/test-support.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { availableBackends } from '../../src/selector/default-selector.ts';
import type { SelectorName } from '../../src/selector/selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const run = promisify(execFile);
const H = 'Host: t\r\n';
const LOCAL = { host: '127.0.0.1', port: 0 } as const;
const TRAILER_END = '0\r\nX-Checksum: c0ffee\r\nX-Count: 2\r\n\r\n';

/** The routes of every test here; `refusals` collects the codes of the refused addTrailers(). */
function handler(refusals: string[]) {
  const refuse = (fn: () => void): void => {
    try {
      fn();
      refusals.push('accepted');
    } catch (e) {
      refusals.push((e as { code?: string }).code ?? String(e));
    }
  };
  return ({ head, response }: Exchange): void => {
    const path = head.target;
    if (path === '/t') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.addTrailers({ 'X-Checksum': 'c0ffee' }).addTrailers([['X-Count', '2']]);
      response.write('abc');
      response.end('de');
    } else if (path === '/late') {
      response.write('first'); // the head goes out chunked, no Trailer field
      response.addTrailers({ 'X-Late': 'yes' });
      response.end();
    } else if (path === '/length') {
      response.writeHead(200, { 'content-length': '2' });
      refuse(() => response.addTrailers({ 'X-A': '1' }));
      response.end('ok');
    } else if (path === '/framing') {
      refuse(() => response.addTrailers({ 'Content-Length': '5' }));
      refuse(() => response.addTrailers({ 'Transfer-Encoding': 'chunked' }));
      refuse(() => response.addTrailers({ 'X-Bad': 'a\r\nb' }));
      response.end('framing');
    } else if (path === '/plain') response.end('no trailers');
    else {
      refuse(() => response.addTrailers({ 'X-A': '1' })); // HTTP/1.0 client
      response.end('old');
    }
  };
}

for (const config of loopConfigs()) {
  describe(`HTTP response trailers (${config.backend}, ${config.mode})`, () => {
    test('raw bytes: chunked, announced, after the last chunk; refusals are typed', () =>
      onLoop(config, async ({ loop }) => {
        const refusals: string[] = [];
        const server = serveRaw(loop, handler(refusals), LOCAL);
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /t HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        const t = c.responses[0];
        assert.equal(t?.body, 'abcde');
        assert.equal(t?.headers['transfer-encoding'], 'chunked');
        assert.equal(t?.headers.trailer, 'X-Checksum, X-Count');
        assert.ok(c.received.endsWith(`2\r\nde\r\n${TRAILER_END}`), JSON.stringify(c.received));
        c.send(`GET /late HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /length HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /framing HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(4);
        const [, late, length, framing] = c.responses;
        assert.equal(late?.body, 'first');
        assert.equal(late?.headers.trailer, undefined);
        assert.ok(c.received.includes('0\r\nX-Late: yes\r\n\r\n'));
        assert.equal(length?.body, 'ok');
        assert.equal(length?.headers['content-length'], '2');
        assert.equal(framing?.body, 'framing');
        assert.deepEqual(refusals, [
          'NBIO_INVALID_ARGUMENT',
          'NBIO_INVALID_ARGUMENT',
          'NBIO_INVALID_ARGUMENT',
          'NBIO_INVALID_ARGUMENT',
        ]);
        c.close();
        const old = await RawClient.connect(loop, server.port);
        old.send('GET /old HTTP/1.0\r\n\r\n');
        await old.untilResponses(1);
        assert.equal(old.responses[0]?.body, 'old');
        assert.equal(refusals[4], 'NBIO_INVALID_ARGUMENT', 'HTTP/1.0: no chunked body, no trailers');
        old.close();
        await server.close();
      }));

    test('fetch-shaped: trailers in the init, fields or a promise, string or stream body', () =>
      onLoop(config, async ({ loop }) => {
        const stream = (parts: string[]): ReadableStream<Uint8Array> =>
          new ReadableStream({
            pull(ctrl) {
              const p = parts.shift();
              if (p === undefined) ctrl.close();
              else ctrl.enqueue(new TextEncoder().encode(p));
            },
          });
        const server = serve(
          loop,
          (req) => {
            const path = req.head.target;
            if (path === '/plain') return new PlainResponse('abc', { trailers: { 'X-Sum': '3' } });
            if (path === '/promise')
              return new Response('hello', { trailers: Promise.resolve([['X-Late', '1']]) } as ResponseInit);
            if (path === '/stream')
              return new Response(stream(['one ', 'two']), { trailers: { 'X-Count': '2' } } as ResponseInit);
            let done: (v: Record<string, string>) => void = () => {};
            const later = new Promise<Record<string, string>>((r) => {
              done = r;
            });
            const parts = ['x', 'y', 'z'];
            const body = new ReadableStream<Uint8Array>({
              pull(ctrl) {
                const p = parts.shift();
                if (p === undefined) {
                  done({ 'X-Seen': '3 chunks' }); // known at the end of the body
                  ctrl.close();
                } else ctrl.enqueue(new TextEncoder().encode(p));
              },
            });
            return new Response(body, { trailers: later } as ResponseInit);
          },
          LOCAL,
        );
        const c = await RawClient.connect(loop, server.port);
        for (const p of ['/plain', '/promise', '/stream', '/stream-promise'])
          c.send(`GET ${p} HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(4);
        const [plain, promised, streamed, late] = c.responses;
        assert.equal(plain?.body, 'abc');
        assert.equal(plain?.headers.trailer, 'X-Sum');
        assert.equal(promised?.body, 'hello');
        assert.equal(streamed?.body, 'one two');
        assert.equal(streamed?.headers.trailer, 'X-Count');
        assert.equal(late?.body, 'xyz');
        for (const t of [
          '0\r\nX-Sum: 3\r\n\r\n',
          '0\r\nX-Late: 1\r\n\r\n',
          '0\r\nX-Count: 2\r\n\r\n',
          '0\r\nX-Seen: 3 chunks\r\n\r\n',
        ])
          assert.ok(c.received.includes(t), `${JSON.stringify(t)} in ${JSON.stringify(c.received)}`);
        c.close();
        const old = await RawClient.connect(loop, server.port);
        old.send('GET /plain HTTP/1.0\r\n\r\n');
        await old.untilResponses(1);
        assert.equal(old.responses[0]?.body, 'abc');
        assert.ok(!old.received.includes('X-Sum'), 'an HTTP/1.0 client gets no trailers');
        old.close();
        await server.close();
      }));

    test("nbio's client: response.trailers after the body, null without", () =>
      onLoop(config, async ({ loop }) => {
        const server = serveRaw(loop, handler([]), LOCAL);
        const client = new HttpClient(loop);
        try {
          const base = `http://127.0.0.1:${server.port}`;
          const res = await fetch(loop, `${base}/t`, { client });
          assert.equal(await res.text(), 'abcde');
          const trailers = res.trailers;
          assert.equal(trailers?.get('x-checksum'), 'c0ffee');
          assert.equal(trailers?.get('X-Count'), '2');
          const plain = await fetch(loop, `${base}/plain`, { client });
          assert.equal(await plain.text(), 'no trailers');
          assert.equal(plain.trailers, null);
          assert.equal(client.stats().reused, 1, 'the connection is reused after a trailer section');
        } finally {
          client.close();
          await server.close({ timeoutMs: 1000 });
        }
      }));
  });
}

/** Runs `loop` one iteration at a time between Node's turns until `work` settles (curl is a child). */
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

const curlBackends = availableBackends().filter((b): b is SelectorName =>
  ['select', 'poll', 'epoll'].includes(b),
);
const noCurl = existsSync('/usr/bin/curl') ? false : '/usr/bin/curl is not installed';

describe('HTTP response trailers read by curl --raw', { skip: noCurl }, () => {
  for (const backend of curlBackends) {
    test(`${backend}: the chunked body and its trailer section as sent`, { timeout: 20_000 }, async () => {
      const fds = fdSnapshot();
      const loop = new EventLoop({ selector: backend, mode: 'owner' });
      const server = serveRaw(loop, handler([]), LOCAL);
      try {
        const url = `http://127.0.0.1:${server.port}/t`;
        const raw = await pumpUntil(loop, run('/usr/bin/curl', ['-s', '--raw', url], { timeout: 10_000 }));
        assert.equal(raw.stdout, `3\r\nabc\r\n2\r\nde\r\n${TRAILER_END}`);
        const head = await pumpUntil(loop, run('/usr/bin/curl', ['-s', '-D', '-', '-o', '/dev/null', url]));
        assert.match(head.stdout, /^Trailer: X-Checksum, X-Count\r$/m);
        assert.match(head.stdout, /^Transfer-Encoding: chunked\r$/m);
      } finally {
        await pumpUntil(loop, server.close({ timeoutMs: 2000 }));
        loop.close();
      }
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
    });
  }
});
