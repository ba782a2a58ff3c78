// Flow-control state made on first use (issue 14, "a connection that costs little"): a transport
// whose writes all go out whole never makes its FlowControl; reading the marks, bufferedAmount
// or stats() does not make it either. The first write that leaves bytes buffered (every write
// on io_uring: its SEND goes at the next submission), or setting the marks, makes it, and from
// then on the water marks, the one pauseWriting/resumeWriting per crossing, close-after-flush
// and abort behave as before. On every backend, over a socket pair of two transports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deadline,
  forEachBackend,
  pattern,
  Recorder,
  withLoop,
} from '../../test/integration/fixtures/net-harness.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { SelectorName } from '../selector/selector.ts';
import { socketpair } from '../sys/socket.ts';
import { DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK } from './flow-control.ts';
import { SocketTransport } from './socket-transport.ts';
import type { StreamTransportOptions } from './stream-transport-options.ts';
import type { Transport } from './transport.ts';
import { UringTransport } from './uring-transport.ts';

const isInvalid = (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT';
const DEFAULTS = { high: DEFAULT_HIGH_WATER_MARK, low: DEFAULT_LOW_WATER_MARK };
/** The transport's FlowControl (a protected field): null until made. */
const flowOf = (t: Transport) => (t as unknown as { flow: object | null }).flow;
const count = (r: Recorder, event: string) => r.events.filter((e) => e === event).length;

/** Two transports on a socket pair, both past connectionMade. */
async function pairOf(
  loop: EventLoop,
  backend: SelectorName,
  options: StreamTransportOptions = {},
  peer: Recorder = new Recorder(),
): Promise<{ a: Transport; ra: Recorder; b: Transport; rb: Recorder }> {
  const [fa, fb] = socketpair();
  const make = (fd: number, r: Recorder, o: StreamTransportOptions) =>
    backend === 'io_uring' ? new UringTransport(loop, fd, r, o) : new SocketTransport(loop, fd, r, o);
  const ra = new Recorder();
  const a = make(fa, ra, options);
  const b = make(fb, peer, {});
  await deadline(
    loop,
    5000,
    'connectionMade',
    Promise.all([ra.until(() => ra.transport !== null), peer.until(() => peer.transport !== null)]),
  );
  return { a, ra, b, rb: peer };
}

/** A peer that does not read until told to (resumeReading). */
function stalledPeer(): Recorder {
  const r = new Recorder();
  r.onMade = (t) => t.pauseReading();
  return r;
}

forEachBackend('flow-control state made on first use', (backend) => {
  test('reading the marks, bufferedAmount and stats() make no FlowControl; writes that go out whole neither', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const { a, b, rb } = await pairOf(loop, backend);
      assert.equal(flowOf(a), null, 'none after connectionMade');
      assert.deepEqual(a.getWriteBufferLimits(), DEFAULTS);
      assert.equal(a.bufferedAmount, 0);
      assert.equal((a as SocketTransport).stats().writePaused, false);
      assert.equal(flowOf(a), null, 'none after reading the marks and the counters');
      a.write('hello');
      a.write(Buffer.from(' world'));
      (a as SocketTransport).writeLines(['!', Buffer.from('\n')]);
      if (backend === 'io_uring') assert.notEqual(flowOf(a), null, 'io_uring: a write waits for its SEND');
      await deadline(
        loop,
        5000,
        'bytes',
        rb.until(() => rb.received === 13),
      );
      assert.equal(rb.data.toString(), 'hello world!\n');
      if (backend !== 'io_uring')
        assert.equal(flowOf(a), null, 'writes that went out whole buffered nothing');
      assert.equal(a.bufferedAmount, 0);
      a.close();
      b.close();
      await rb.until(() => rb.lostCount === 1);
    });
    assert.deepEqual(errors, []);
  });

  test('the first buffered write makes it: one pause, one resume, bytes intact, close after the flush', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const { a, ra, b, rb } = await pairOf(loop, backend, {}, stalledPeer());
      const sent = pattern(1024 * 1024);
      a.write(sent);
      assert.notEqual(flowOf(a), null);
      assert.ok(a.bufferedAmount > DEFAULT_HIGH_WATER_MARK, `buffered ${a.bufferedAmount}`);
      assert.equal(count(ra, 'pause'), 1, 'pauseWriting once, at the write that crossed high');
      a.write(Buffer.from('tail'));
      assert.equal(count(ra, 'pause'), 1, 'no second pause while paused');
      a.close(); // flush first, then the EOF
      b.resumeReading();
      await deadline(
        loop,
        10_000,
        'everything and EOF',
        rb.until(() => rb.events.includes('eof')),
      );
      assert.equal(count(ra, 'pause'), 1);
      assert.equal(count(ra, 'resume'), 0, 'no resume after close()');
      assert.equal(a.bufferedAmount, 0);
      assert.ok(rb.data.equals(Buffer.concat([sent, Buffer.from('tail')])), 'every byte, in order');
      await ra.until(() => ra.lostCount === 1);
      assert.equal(ra.lostError, undefined);
    });
    assert.deepEqual(errors, []);
  });

  test('draining below low resumes once; later small writes add no pause', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const { a, ra, b, rb } = await pairOf(loop, backend, {}, stalledPeer());
      a.write(pattern(512 * 1024));
      assert.equal(count(ra, 'pause'), 1);
      b.resumeReading();
      await deadline(
        loop,
        10_000,
        'resume',
        ra.until(() => count(ra, 'resume') === 1),
      );
      await rb.until(() => rb.received === 512 * 1024);
      assert.equal(a.bufferedAmount, 0);
      a.write('x');
      await rb.until(() => rb.received === 512 * 1024 + 1);
      assert.deepEqual(
        ra.events.filter((e) => e === 'pause' || e === 'resume'),
        ['pause', 'resume'],
      );
      assert.equal((a as SocketTransport).stats().writePaused, false);
      a.abort();
      await rb.until(() => rb.lostCount === 1);
    });
    assert.deepEqual(errors, []);
  });

  test('marks given or set before any write are kept; bad marks throw and make nothing', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const given = await pairOf(loop, backend, { writeBufferLimits: { high: 1000 } });
      assert.deepEqual(given.a.getWriteBufferLimits(), { high: 1000, low: 250 });
      given.a.abort();
      given.b.abort();

      const { a, ra, b } = await pairOf(loop, backend, {}, stalledPeer());
      assert.throws(() => a.setWriteBufferLimits(10, 20), isInvalid);
      assert.equal(flowOf(a), null, 'a refused mark makes nothing');
      assert.deepEqual(a.getWriteBufferLimits(), DEFAULTS);
      a.setWriteBufferLimits(undefined, 10);
      assert.deepEqual(a.getWriteBufferLimits(), { high: 40, low: 10 });
      a.write(Buffer.alloc(41));
      if (backend !== 'io_uring') {
        assert.equal(a.bufferedAmount, 0, 'the socket took 41 bytes whole');
        assert.equal(count(ra, 'pause'), 0);
        a.write(pattern(1024 * 1024));
      }
      assert.equal(count(ra, 'pause'), 1, 'paused above the mark that was set');
      a.abort();
      assert.equal(a.bufferedAmount, 0, 'abort drops what was buffered');
      await ra.until(() => ra.lostCount === 1);
      b.abort();
    });
    assert.deepEqual(errors, []);
  });
});
