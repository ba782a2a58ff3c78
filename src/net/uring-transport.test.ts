// UringTransport faults on a real io_uring loop (guest and owner mode): a burst larger than the
// provided-buffer ring (ENOBUFS, re-armed, every byte in order), close while a receive and a
// send are in flight (cancelled, descriptors closed once, send memory returned), and a client
// that sends a lot and reads nothing (the echo server's buffer stays bounded). The rest of the
// transport contract runs on io_uring through socket-transport.test.ts and every layer above.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deadline, pattern, Recorder, sleep } from '../../test/integration/fixtures/net-harness.ts';
import { RECV_BUFFER_SIZE, RECV_BUFFERS } from '../completion/uring-completion.ts';
import { EventLoop, type RunMode } from '../loop/event-loop.ts';
import { IoUring } from '../sys/io-uring.ts';
import type { Ipv4Address } from '../sys/sockaddr.ts';
import { Sc, startCountingSyscalls, syscallCalls } from '../sys/syscall-counter.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { createConnection } from './connect.ts';
import { createServer } from './listener.ts';
import type { Transport } from './transport.ts';
import { UringTransport } from './uring-transport.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# UringTransport tests skipped: ${a.reason}`);

function connectMany(loop: EventLoop, port: number, n: number): Promise<Recorder[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Recorder>((resolve, reject) =>
          createConnection(
            loop,
            () => new Recorder(),
            { host: '127.0.0.1', port },
            (err, _t, p) => (err ? reject(err) : resolve(p as Recorder)),
          ),
        ),
    ),
  );
}

for (const mode of ['guest', 'owner'] as RunMode[]) {
  describe(`UringTransport (${mode} mode)`, { skip }, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('servers and connections on io_uring are UringTransports', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      try {
        await runFor(loop, async () => {
          let serverSide: Recorder | null = null;
          const server = createServer(loop, () => (serverSide = new Recorder()), {
            host: '127.0.0.1',
            port: 0,
          });
          const [client] = await connectMany(loop, (server.address() as Ipv4Address).port, 1);
          assert.ok(client?.transport instanceof UringTransport, 'the client is a UringTransport');
          client.transport.write('ping');
          await deadline(
            loop,
            5000,
            'data',
            new Promise<void>((r) =>
              loop.callLater(1, function poll() {
                if (serverSide?.received === 4) r();
                else loop.callLater(1, poll);
              }),
            ),
          );
          assert.ok(serverSide!.transport instanceof UringTransport, 'the server side is a UringTransport');
          assert.equal(serverSide!.data.toString(), 'ping');
          client.transport.close();
          await deadline(
            loop,
            5000,
            'lost',
            serverSide!.until(() => serverSide!.lostCount === 1),
          );
          server.close();
        });
      } finally {
        loop.close();
      }
    });

    test('connect and accept go through the ring: no connect(2) or accept4(2) call', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const stop = startCountingSyscalls();
      const before = { connect: syscallCalls(Sc.connect), accept: syscallCalls(Sc.accept) };
      try {
        await runFor(loop, async () => {
          const sides: Recorder[] = [];
          const server = createServer(
            loop,
            () => {
              const r = new Recorder();
              sides.push(r);
              return r;
            },
            { host: '127.0.0.1', port: 0 },
          );
          const clients = await connectMany(loop, (server.address() as Ipv4Address).port, 3);
          await deadline(
            loop,
            5000,
            'accepted',
            new Promise<void>((r) => {
              const poll = () => (sides.length === 3 ? r() : loop.callLater(1, poll));
              poll();
            }),
          );
          assert.equal(syscallCalls(Sc.connect), before.connect, 'IORING_OP_CONNECT, not connect(2)');
          assert.equal(syscallCalls(Sc.accept), before.accept, 'multishot IORING_OP_ACCEPT');
          for (const c of clients) c.transport!.abort();
          await deadline(
            loop,
            5000,
            'lost',
            new Promise<void>((r) => {
              const poll = () => (sides.every((x) => x.lostCount === 1) ? r() : loop.callLater(1, poll));
              poll();
            }),
          );
          server.close();
        });
      } finally {
        stop();
        loop.close();
      }
    });

    test('EOF behind bytes held while paused: the bytes, then eofReceived, after resumeReading()', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      try {
        await runFor(loop, async () => {
          let serverSide: Recorder | null = null;
          let pauseOnData = true;
          const server = createServer(
            loop,
            () => {
              const r = new Recorder();
              // Pause inside the first dataReceived: the multishot receive in flight keeps
              // completing (held) until the cancel lands, possibly up to the peer's EOF.
              r.onData = (_d, t) => {
                if (pauseOnData) t.pauseReading();
              };
              r.onEof = () => true; // stay open: the test looks at the order
              serverSide = r;
              return r;
            },
            { host: '127.0.0.1', port: 0 },
          );
          const [client] = await connectMany(loop, (server.address() as Ipv4Address).port, 1);
          const data = pattern(1024 * 1024);
          client!.transport!.write(data);
          client!.transport!.writeEof();
          await sleep(loop, 100);
          const s = serverSide as unknown as Recorder;
          assert.equal(s.events.includes('eof'), false, 'no eofReceived while paused');
          pauseOnData = false;
          s.transport!.resumeReading();
          await deadline(
            loop,
            5000,
            'eof',
            s.until(() => s.events.includes('eof')),
          );
          assert.equal(s.received, data.length, 'every byte before the EOF');
          assert.ok(s.data.equals(data), 'the held bytes arrive intact');
          assert.equal(s.events.at(-1), 'eof');
          s.transport!.close();
          client!.transport!.close();
          await deadline(
            loop,
            5000,
            'lost',
            s.until(() => s.lostCount === 1),
          );
          server.close();
        });
      } finally {
        loop.close();
      }
    });

    test('a burst larger than the buffer ring: ENOBUFS, the receive is re-armed, every byte arrives in order', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const perConn = 3 * RECV_BUFFER_SIZE - 100; // three buffers each
      const conns = Math.ceil((RECV_BUFFERS * 1.5) / 3); // half again as many buffers as the ring has
      try {
        await runFor(loop, async () => {
          const sides: Recorder[] = [];
          const server = createServer(
            loop,
            () => {
              const r = new Recorder();
              r.onMade = (t) => t.pauseReading(); // let the data pile up in the kernel
              sides.push(r);
              return r;
            },
            { host: '127.0.0.1', port: 0 },
          );
          const clients = await connectMany(loop, (server.address() as Ipv4Address).port, conns);
          const data = pattern(perConn);
          for (const c of clients) c.transport!.write(data);
          await deadline(
            loop,
            5000,
            'accepted',
            new Promise<void>((r) => {
              const poll = () =>
                sides.length === conns && sides.every((s) => s.transport) ? r() : loop.callLater(2, poll);
              poll();
            }),
          );
          await sleep(loop, 50);
          const before = loop.completion!.stats().bufferExhaustions;
          for (const s of sides) s.transport!.resumeReading(); // all receives submitted at once
          await deadline(
            loop,
            10_000,
            'all bytes',
            Promise.all(sides.map((s) => s.until(() => s.received === perConn))),
          );
          assert.ok(loop.completion!.stats().bufferExhaustions > before, 'the buffer ring ran dry (ENOBUFS)');
          for (const s of sides) assert.ok(s.data.equals(data), 'in order, unchanged');
          for (const c of clients) c.transport!.abort();
          server.close();
          server.closeConnections(true);
        });
      } finally {
        loop.close();
      }
    });

    test('abort() with a receive and a send in flight: cancelled, fd closed once, send memory returned', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      try {
        await runFor(loop, async () => {
          let serverSide: Recorder | null = null;
          const server = createServer(loop, () => (serverSide = new Recorder()), {
            host: '127.0.0.1',
            port: 0,
          });
          const [client] = await connectMany(loop, (server.address() as Ipv4Address).port, 1);
          client!.transport!.pauseReading(); // reads nothing: the server's SEND stays in the kernel
          await deadline(
            loop,
            5000,
            'server side',
            new Promise<void>((r) => {
              const poll = () => (serverSide?.transport ? r() : loop.callLater(1, poll));
              poll();
            }),
          );
          const t = serverSide!.transport as Transport;
          const big = Buffer.alloc(1024 * 1024, 7);
          for (let i = 0; i < 16; i++) t.write(big);
          await sleep(loop, 50);
          assert.ok(t.bufferedAmount > 0, 'a send is still waiting for the peer');
          // Between one SEND's completion and the next submission no chunk is held: wait for one.
          // (A message on every assert.ok: without one, a failure makes Node's assert parse this
          // file for its text, which under tsx took longer than the test timeout.)
          for (let i = 0; i < 100 && loop.completion!.stats().sendChunksInUse === 0; i++)
            await sleep(loop, 2);
          assert.ok(loop.completion!.stats().sendChunksInUse > 0, 'a SEND holds a chunk');
          t.abort();
          await deadline(
            loop,
            5000,
            'lost',
            serverSide!.until(() => serverSide!.lostCount === 1),
          );
          assert.equal(serverSide!.lostError, undefined, 'abort() is a clean end for its own side');
          client!.transport!.resumeReading(); // reads what the kernel took, then the end
          await deadline(
            loop,
            5000,
            'client sees the end',
            client!.until(() => client!.lostCount === 1),
          );
          for (let i = 0; i < 50 && loop.completion!.stats().sendChunksInUse > 0; i++) await sleep(loop, 5);
          assert.equal(loop.completion!.stats().sendChunksInUse, 0, 'the cancelled SEND gave its chunk back');
          server.close();
        });
      } finally {
        loop.close();
      }
    });

    test('a reader that pauses after every chunk: no receive while bytes are held, so they stay bounded', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      const total = 48 * 1024 * 1024;
      try {
        await runFor(loop, async () => {
          let delivered = 0;
          let maxHeld = 0;
          let done: () => void = () => {};
          const finished = new Promise<void>((r) => {
            done = r;
          });
          const server = createServer(
            loop,
            () => {
              let t: Transport;
              // A slow consumer: one chunk per loop turn. Each resume must not let the kernel
              // read another socket buffer's worth ahead while earlier bytes are still held.
              return {
                connectionMade: (tr: Transport) => {
                  t = tr;
                },
                dataReceived: (d: Buffer) => {
                  delivered += d.length;
                  maxHeld = Math.max(maxHeld, t.stats().bytesRead - delivered);
                  t.pauseReading();
                  loop.callSoon(() => t.resumeReading());
                  if (delivered === total) done();
                },
                connectionLost: () => {},
              };
            },
            { host: '127.0.0.1', port: 0 },
          );
          const [client] = await connectMany(loop, (server.address() as Ipv4Address).port, 1);
          const mib = Buffer.alloc(1024 * 1024, 7);
          for (let i = 0; i < total / mib.length; i++) client!.transport!.write(mib);
          await deadline(loop, 15_000, 'every byte delivered', finished);
          assert.ok(maxHeld < 20 * 1024 * 1024, `held at most ${maxHeld} bytes of ${total}`);
          client!.transport!.abort();
          server.closeConnections(true);
          server.close();
        });
      } finally {
        loop.close();
      }
    });

    test('a client that sends a lot and reads nothing: the echo server stays bounded, then both ends close', async () => {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      try {
        await runFor(loop, async () => {
          let echoSide: Transport | null = null;
          let maxBuffered = 0;
          let lost = false;
          const server = createServer(
            loop,
            () => ({
              connectionMade: (t: Transport) => {
                echoSide = t;
              },
              dataReceived: (d: Buffer) => {
                echoSide!.write(d);
                maxBuffered = Math.max(maxBuffered, echoSide!.bufferedAmount);
              },
              pauseWriting: () => echoSide!.pauseReading(),
              resumeWriting: () => echoSide!.resumeReading(),
              connectionLost: () => {
                lost = true;
              },
            }),
            { host: '127.0.0.1', port: 0 },
          );
          const [client] = await connectMany(loop, (server.address() as Ipv4Address).port, 1);
          client!.transport!.pauseReading();
          const chunk = Buffer.alloc(64 * 1024, 1);
          const LIMIT = 32 * 1024 * 1024;
          const ct = client!.transport as UringTransport;
          let sent = 0;
          let idleRounds = 0;
          // Write whenever the client's transport lets us, until it has stayed paused for 20 turns.
          for (let round = 0; round < 400 && idleRounds < 20 && sent < LIMIT; round++) {
            let wrote = false;
            while (!ct.stats().writePaused && sent < LIMIT) {
              ct.write(chunk);
              sent += chunk.length;
              wrote = true;
            }
            idleRounds = wrote ? 0 : idleRounds + 1;
            await sleep(loop, 5);
          }
          assert.equal(idleRounds, 20, `backpressure reached the client (${sent} bytes sent)`);
          assert.ok(sent < LIMIT, `sent ${sent} < ${LIMIT}`);
          assert.ok(
            maxBuffered <= 64 * 1024 + 2 * RECV_BUFFER_SIZE,
            `the echo buffer stayed bounded (${maxBuffered})`,
          );
          client!.transport!.abort();
          await deadline(
            loop,
            5000,
            'server lost',
            new Promise<void>((r) => {
              const poll = () => (lost ? r() : loop.callLater(2, poll));
              poll();
            }),
          );
          server.close();
        });
      } finally {
        loop.close();
      }
    });
  });
}
