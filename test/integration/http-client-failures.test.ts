// How nbio's HTTP client fails, on every loop configuration: against raw nbio servers that
// misbehave on purpose (malformed bytes, a reset or a close in the middle of a response, a
// server that never answers, a keep-alive connection closed under a request), a listener
// whose queue is full (connect timeout), and a port nobody listens on. Every failure must
// leave no descriptor and no pool entry behind.
import assert from 'node:assert/strict';
import { HttpClient } from '../../src/http/client/http-client.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';
import { createServer, type Server } from '../../src/net/listener.ts';
import type { Protocol } from '../../src/net/protocol.ts';
import type { Transport } from '../../src/net/transport.ts';
import { sys } from '../../src/sys/constants.ts';
import { close as closeFd } from '../../src/sys/fd.ts';
import { bind, getsockname, listen, socket } from '../../src/sys/socket.ts';
import { type FdSnapshot, fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { loopSleep, onEachLoop, rejectsWithCode, waitFor } from './fixtures/http-client-harness.ts';

/** What a raw server does on each request it reads (the n-th on its connection, from 0). */
type Script = (t: Transport, n: number, connection: number) => void;

/** An nbio server on the test's loop that answers requests by `script`; counts connections. */
function rawServer(
  loop: EventLoop,
  script: Script,
): { server: Server; base: string; connections: () => number; serverFds: number[] } {
  let connections = 0;
  const serverFds: number[] = [];
  const server = createServer(
    loop,
    (): Protocol => {
      const index = connections++;
      let t: Transport;
      let n = 0;
      return {
        connectionMade: (transport) => {
          t = transport;
          serverFds.push(transport.getExtraInfo('fd'));
        },
        dataReceived: (data) => {
          if (data.includes('\r\n\r\n')) script(t, n++, index);
        },
      };
    },
    { host: '127.0.0.1', port: 0 },
  );
  const { port } = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${port}`, connections: () => connections, serverFds };
}

/** The numbers of the descriptors open now that were not open (as the same file) in `before`. */
function added(before: FdSnapshot): number[] {
  return fdsOpenedSince(before).map((line) => Number.parseInt(line, 10));
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

function assertPoolEmpty(client: HttpClient): void {
  const s = client.stats();
  assert.deepEqual([s.active, s.idle, s.connecting, s.waiting], [0, 0, 0, 0], JSON.stringify(s));
}

onEachLoop(
  'malformed responses fail with NBIO_HTTP_MALFORMED_RESPONSE and close the connection',
  async (loop) => {
    const answers = [
      'hello there\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n',
    ];
    const raw = rawServer(loop, (t, _n, c) => t.write(answers[c] as string));
    const client = new HttpClient(loop);
    try {
      for (let i = 0; i < answers.length; i++) {
        const res = client.request(`${raw.base}/${i}`);
        if (i < 3) await rejectsWithCode(res, 'NBIO_HTTP_MALFORMED_RESPONSE');
        else await rejectsWithCode((await res).text(), 'NBIO_HTTP_MALFORMED_RESPONSE'); // the head was fine
        assertPoolEmpty(client);
      }
      assert.equal(raw.connections(), answers.length, 'a connection that saw bad bytes is never reused');
    } finally {
      client.close();
      raw.server.close();
    }
  },
);

onEachLoop('a reset or a close in the middle of a response is NBIO_CONNECTION_RESET', async (loop) => {
  const raw = rawServer(loop, (t, _n, c) => {
    if (c === 0) {
      t.write('HTTP/1.1 200 OK\r\nContent-Le');
      t.close(); // EOF in the head
    } else if (c === 1) {
      t.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      t.close(); // EOF in the body
    } else {
      t.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      // Unread bytes in its receive buffer make the server's close() a reset (RST).
      t.pauseReading();
      loop.callLater(20, () => t.abort());
    }
  });
  const client = new HttpClient(loop);
  try {
    const head = await rejectsWithCode(client.request(`${raw.base}/`), 'NBIO_CONNECTION_RESET');
    assert.match(head.message, /before the response was complete/);
    const body = await client.request(`${raw.base}/`);
    await rejectsWithCode(body.text(), 'NBIO_CONNECTION_RESET');
    const reset = await client.request(`${raw.base}/`, { method: 'POST', body: Buffer.alloc(256 * 1024) });
    await rejectsWithCode(reset.text(), 'NBIO_CONNECTION_RESET');
    assertPoolEmpty(client);
  } finally {
    client.close();
    raw.server.close();
  }
});

onEachLoop(
  'a keep-alive connection closed under a request: idempotent requests are retried once',
  async (loop) => {
    // Each connection answers its first request and drops the second unanswered (the race of a
    // server closing an idle connection just as the client reuses it).
    const raw = rawServer(loop, (t, n) => (n === 0 ? t.write(OK) : t.close()));
    const client = new HttpClient(loop);
    try {
      assert.equal(await (await client.request(`${raw.base}/a`)).text(), 'ok');
      assert.equal(
        await (await client.request(`${raw.base}/b`)).text(),
        'ok',
        'sent again on a new connection',
      );
      assert.equal(raw.connections(), 2);
      assert.equal(client.stats().reused, 1);
      await rejectsWithCode(
        client.request(`${raw.base}/c`, { method: 'POST', body: 'x' }),
        'NBIO_CONNECTION_RESET',
      );
    } finally {
      client.close();
      raw.server.close();
    }
  },
);

onEachLoop('timeouts: headers, whole request, connect', async (loop) => {
  const raw = rawServer(loop, (t, _n, c) => {
    if (c === 1) t.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nslow'); // …and no more
  });
  const client = new HttpClient(loop);
  // A listener that never accepts, with its queue full: further SYNs are dropped, connect waits.
  const lfd = socket(sys.AF_INET, 'stream');
  try {
    const headers = await rejectsWithCode(
      client.request(`${raw.base}/`, { headersTimeoutMs: 50 }),
      'NBIO_TIMEOUT',
    );
    assert.equal((headers as unknown as { phase: string }).phase, 'headers');
    const res = await client.request(`${raw.base}/`, { timeoutMs: 250 });
    assert.equal(res.status, 200);
    const whole = await rejectsWithCode(res.text(), 'NBIO_TIMEOUT');
    assert.equal((whole as unknown as { phase: string }).phase, 'request');
    assertPoolEmpty(client);

    bind(lfd, { family: 'ipv4', address: '127.0.0.1', port: 0 });
    listen(lfd, 0);
    const port = (getsockname(lfd) as { port: number }).port;
    const fillers = new HttpClient(loop, { connectTimeoutMs: 50 });
    const fill = [0, 1, 2].map(() =>
      fillers.request(`http://127.0.0.1:${port}/`, { headersTimeoutMs: 2000 }).catch(() => null),
    );
    const connect = await rejectsWithCode(
      client.request(`http://127.0.0.1:${port}/`, { connectTimeoutMs: 60 }),
      'NBIO_TIMEOUT',
    );
    assert.equal((connect as unknown as { phase: string }).phase, 'connect');
    fillers.close();
    await Promise.all(fill);
    assertPoolEmpty(client);
  } finally {
    closeFd(lfd);
    client.close();
    raw.server.close();
  }
});

onEachLoop(
  'abort: before it starts, waiting for the head, mid-body, queued — nothing left behind',
  async (loop) => {
    const raw = rawServer(loop, (t, _n, c) => {
      if (c % 2 === 1) t.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npart of it');
    });
    const client = new HttpClient(loop, { maxSocketsPerOrigin: 1 });
    try {
      const before = fdSnapshot();
      await rejectsWithCode(
        client.request(`${raw.base}/`, { signal: AbortSignal.abort('no') }),
        'NBIO_ABORTED',
      );
      assertPoolEmpty(client);
      assert.deepEqual(added(before), [], 'an aborted signal opens nothing');

      const waiting = new AbortController();
      const p = client.request(`${raw.base}/`, { signal: waiting.signal }); // connection 0: no answer
      const queued = new AbortController();
      const q = client.request(`${raw.base}/`, { signal: queued.signal });
      await waitFor(loop, 'one request on a connection, one queued', () => {
        const st = client.stats();
        return st.active === 1 && st.waiting === 1;
      });
      queued.abort();
      const qe = await rejectsWithCode(q, 'NBIO_ABORTED');
      assert.equal(qe.cause, queued.signal.reason);
      assert.equal(client.stats().waiting, 0);
      // The raw server runs in this process: a connection is two descriptors here, the client's
      // and the server's, and the server closes its end only when it reads the EOF, a turn later.
      const server0 = raw.serverFds[0] as number;
      const open0 = added(before);
      assert.equal(open0.length, 2, `both ends of one connection: ${open0}`);
      const client0 = open0.find((fd) => fd !== server0) as number;
      waiting.abort();
      assert.deepEqual(added(before), [server0], `the client's fd ${client0} is closed when abort() returns`);
      assertPoolEmpty(client);
      await rejectsWithCode(p, 'NBIO_ABORTED');
      await loopSleep(loop, 20);
      assert.deepEqual(added(before), [], "and the server closed its end on the client's EOF");

      const midBody = new AbortController();
      const res = await client.request(`${raw.base}/`, { signal: midBody.signal }); // connection 1: part of a body
      const chunks = res[Symbol.asyncIterator]();
      const first = await chunks.next();
      assert.equal(first.value?.toString(), 'part of it');
      const server1 = raw.serverFds[1] as number;
      assert.equal(added(before).length, 2);
      midBody.abort();
      assert.deepEqual(added(before), [server1], "the client's descriptor is closed when abort() returns");
      assertPoolEmpty(client);
      await rejectsWithCode(chunks.next(), 'NBIO_ABORTED');
      await loopSleep(loop, 20);
      assert.deepEqual(added(before), []);
    } finally {
      client.close();
      raw.server.close();
    }
  },
);

onEachLoop('nobody listening: NBIO_CONNECTION_REFUSED; a closed client: NBIO_CLOSED', async (loop) => {
  const s = createServer(loop, () => ({ dataReceived() {} }), { host: '127.0.0.1', port: 0 });
  const { port } = s.address() as { port: number };
  s.close();
  const client = new HttpClient(loop);
  await rejectsWithCode(client.request(`http://127.0.0.1:${port}/`), 'NBIO_CONNECTION_REFUSED');
  assertPoolEmpty(client);
  const raw = rawServer(loop, () => {});
  const inFlight = client.request(`${raw.base}/`);
  await loopSleep(loop, 20);
  client.close();
  await rejectsWithCode(inFlight, 'NBIO_CLOSED');
  await rejectsWithCode(client.request(`${raw.base}/`), 'NBIO_CLOSED');
  raw.server.close();
});

onEachLoop('upload backpressure: a server that reads nothing stops the body being pulled', async (loop) => {
  // This server never reads: once the kernel's buffers are full, the client's write buffer
  // passes its high water mark and the body's next chunk is not pulled until it drains.
  const quiet = createServer(
    loop,
    (): Protocol => ({
      connectionMade: (t) => t.pauseReading(),
      dataReceived() {},
    }),
    { host: '127.0.0.1', port: 0 },
  );
  const { port } = quiet.address() as { port: number };
  const client = new HttpClient(loop);
  try {
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 'u');
    async function* huge() {
      for (let i = 0; i < 4096; i++) {
        pulled++;
        yield chunk; // 256 MiB if it were all pulled
      }
    }
    const abort = new AbortController();
    const sent = client.request(`http://127.0.0.1:${port}/up`, {
      method: 'PUT',
      body: huge(),
      signal: abort.signal,
    });
    // An assertion failing below must show as itself, not as this promise rejecting unhandled
    // when `finally` closes the client (the rejection is still checked at the end).
    sent.catch(() => {});
    // Wait until the pulling stops (the socket's buffers are full), however slow the machine:
    // quiet for 50 ms *and* 10 checks in a row, each a loop turn in which I/O could complete, so
    // a stall of the whole process (a loaded CI machine) is not taken for "stopped".
    let seen = -1;
    let since = loop.time();
    let quietChecks = 0;
    await waitFor(
      loop,
      'the body stops being pulled for 50 ms',
      () => {
        if (pulled !== seen) {
          seen = pulled;
          since = loop.time();
          quietChecks = 0;
        } else quietChecks++;
        return pulled > 0 && quietChecks >= 10 && loop.time() - since >= 50;
      },
      10_000,
    );
    assert.ok(pulled < 1024, `only what the socket buffers hold was pulled (${pulled} chunks of 64 KiB)`);
    await loopSleep(loop, 100);
    assert.equal(pulled, seen, 'and nothing more while the server reads nothing');
    abort.abort();
    await rejectsWithCode(sent, 'NBIO_ABORTED');
    assertPoolEmpty(client);
  } finally {
    client.close();
    quiet.close();
  }
});
