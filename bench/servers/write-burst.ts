/**
 * The writer of bench/write-copies.ts, one process per measurement so its peak RSS (VmHWM) is
 * its own: connects to `--port`, writes `--count` buffers of 64 KiB without waiting for drain
 * (`--kind same`: one buffer every time; `fresh`: a new one each time), ends gracefully, and
 * prints one JSON line with its peak RSS and the time until the socket closed.
 *
 *   node --import tsx bench/servers/write-burst.ts --impl nbio|compat|node --kind same|fresh \
 *     --count 10000 --port N
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { connect as compatConnect } from '../../src/compat/create-connection.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { createConnection } from '../../src/net/connect.ts';
import type { Protocol } from '../../src/net/protocol.ts';
import type { Transport } from '../../src/net/transport.ts';

const CHUNK_BYTES = 64 * 1024;
const LIMIT_MS = 120_000;

const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    kind: { type: 'string' },
    count: { type: 'string' },
    port: { type: 'string' },
  },
});
const impl = values.impl ?? 'nbio';
const kind = values.kind ?? 'same';
const count = Number(values.count ?? 10_000);
const port = Number(values.port);

const same = Buffer.alloc(CHUNK_BYTES, 0x61);
/** The i-th buffer to write: the same one, or a fresh one with its pages touched. */
const chunk = (i: number): Buffer => (kind === 'same' ? same : Buffer.alloc(CHUNK_BYTES, i & 0xff));

function peakRssKb(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}

function viaNbio(): Promise<void> {
  const loop = new EventLoop();
  return new Promise<void>((resolve, reject) => {
    const protocol: Protocol = {
      connectionMade(t: Transport) {
        for (let i = 0; i < count; i++) t.write(chunk(i));
        t.close();
      },
      dataReceived() {},
      connectionLost(err?: Error) {
        loop.close();
        if (err) reject(err);
        else resolve();
      },
    };
    createConnection(
      loop,
      () => protocol,
      { host: '127.0.0.1', port },
      (err) => {
        if (err) reject(err);
      },
    );
  });
}

function viaStream(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}

function viaCompat(): Promise<void> {
  const s = compatConnect({ host: '127.0.0.1', port }, () => {
    for (let i = 0; i < count; i++) s.write(chunk(i));
    s.end();
  });
  return viaStream(s);
}

function viaNode(): Promise<void> {
  const s = netConnect({ host: '127.0.0.1', port }, () => {
    for (let i = 0; i < count; i++) s.write(chunk(i));
    s.end();
  });
  return viaStream(s);
}

const t0 = performance.now();
const guard = setTimeout(() => {
  console.error(`write-burst: not done after ${LIMIT_MS} ms`);
  process.exit(1);
}, LIMIT_MS);
guard.unref();
await (impl === 'nbio' ? viaNbio() : impl === 'compat' ? viaCompat() : viaNode());
process.stdout.write(
  `${JSON.stringify({ impl, kind, count, peakRssKb: peakRssKb(), ms: performance.now() - t0 })}\n`,
);
process.exit(0);
