// The flight recorder on every backend and mode: what one iteration records (timeout and why,
// wake reason, ready events with owners, callbacks, timers, interest changes, system calls with
// bytes), the bounded ring, streaming since an iteration, and the off state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { close, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { loopConfigs, runFor } from '../testing/loop-configs.ts';
import { EventLoop } from './event-loop.ts';
import { KINDS, kindCode, reasonCode, TIMEOUT_REASONS } from './recorder-ring.ts';
import type { IterationRecord, StallReport } from './recorder-types.ts';

const WAITS = new Set(['epoll_wait', 'poll', 'select', 'kevent', 'io_uring_enter']);

for (const { backend, mode } of loopConfigs()) {
  describe(`flight recorder on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('is off by default and records nothing', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      assert.equal(loop.recorder.enabled, false);
      await runFor(loop, () => new Promise<void>((r) => loop.callLater(2, r)));
      assert.ok(loop.stats().iterations > 0);
      assert.deepEqual(loop.recorder.snapshot(), []);
      loop.close();
    });

    test('records the event, its owner, the callback, the bytes read and the wait', async () => {
      const loop = new EventLoop({ selector: backend, mode, recorder: 64 });
      const [a, b] = socketpair();
      const buf = new Uint8Array(64);
      const got = new Promise<number>((resolve) => {
        loop.addReader(
          a,
          function onPing() {
            const n = read(a, buf);
            loop.removeReader(a);
            resolve(n);
          },
          { label: 'pair end A' },
        );
      });
      loop.callLater(3, function later() {
        write(b, new TextEncoder().encode('ping!'));
      });
      assert.equal(await runFor(loop, got), 5);
      const records = loop.recorder.snapshot();
      const withEvent = records.find((r) => r.events.some((e) => e.fd === a));
      assert.ok(withEvent, 'an iteration saw fd a ready');
      const ev = withEvent.events.find((e) => e.fd === a);
      assert.equal(ev?.label, 'pair end A');
      assert.equal((ev?.ready ?? 0) & 1, 1, 'readable bit');
      assert.ok(withEvent.wokeBy.includes('io'), `woke by io: ${withEvent.wokeBy.join(',')}`);
      const cb = withEvent.callbacks.find((c) => c.kind === 'reader');
      assert.equal(cb?.name, 'onPing');
      assert.equal(cb?.label, 'pair end A');
      assert.equal(cb?.fd, a);
      assert.ok((cb?.durationMs ?? -1) >= 0);
      const readCall = withEvent.syscalls.find((s) => s.kind === 'read');
      assert.deepEqual(readCall, { kind: 'read', calls: 1, bytes: 5 });
      assert.ok(
        records.some((r) => r.syscalls.some((s) => WAITS.has(s.kind))),
        'the selector wait is counted',
      );
      const timerIteration = records.find((r) => r.timersFired > 0);
      assert.ok(timerIteration?.wokeBy.includes('timer'));
      assert.ok(
        timerIteration?.callbacks.some((c) => c.kind === 'timer' && c.name === 'later' && c.fd === -1),
      );
      const writeCall = timerIteration?.syscalls.find((s) => s.kind === 'write');
      assert.deepEqual(writeCall, { kind: 'write', calls: 1, bytes: 5 });
      const changes = records.flatMap((r) => r.interest).filter((i) => i.fd === a);
      assert.deepEqual(
        changes.map((i) => i.interest),
        [1, 0],
        'added (before the first iteration, kept for it), then removed',
      );
      // the first iteration waited for the timer, or was capped by the mode
      const first = records[0] as IterationRecord;
      assert.ok(
        ['timer', 'guest', 'node-immediate', 'ready'].includes(first.timeoutReason),
        first.timeoutReason,
      );
      const table = loop.recorder.format();
      assert.match(table, /onPing — pair end A/);
      assert.match(table, /read×1 5B/);
      close(a);
      close(b);
      loop.close();
    });

    test('keeps a bounded ring, streams since an iteration, and survives a throwing listener', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      loop.recorder.enable(5);
      const streamed: number[] = [];
      loop.recorder.subscribe(() => {
        throw new Error('a broken listener is dropped, the loop goes on');
      });
      loop.recorder.subscribe((r) => streamed.push(r.iteration));
      let n = 0;
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            const tick = () => {
              if (++n === 20) resolve();
              else loop.callSoon(tick);
            };
            loop.callSoon(tick);
          }),
      );
      const kept = loop.recorder.snapshot();
      assert.equal(kept.length, 5);
      const last = loop.recorder.lastIteration;
      assert.deepEqual(
        kept.map((r) => r.iteration),
        [last - 4, last - 3, last - 2, last - 1, last],
      );
      assert.deepEqual(
        loop.recorder.snapshot(last - 2).map((r) => r.iteration),
        [last - 1, last],
      );
      assert.ok(streamed.length >= 20);
      assert.equal(streamed.at(-1), last);
      loop.recorder.disable();
      const before = loop.stats().iterations;
      await runFor(loop, () => new Promise<void>((r) => loop.callSoon(r)));
      assert.ok(loop.stats().iterations > before);
      assert.equal(loop.recorder.lastIteration, last, 'nothing recorded while disabled');
      loop.close();
    });

    test('callbacks tile their iteration from the end of the wait, also after enable() from a callback', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const spin = (ms: number) => {
        const t = performance.now();
        while (performance.now() - t < ms) {}
      };
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            loop.callSoon(function starter() {
              loop.recorder.enable(16); // mid-iteration: this one is not recorded
              loop.callSoon(() => spin(1));
              loop.callSoon(function two() {
                spin(1);
              });
              loop.callSoon(function three() {
                spin(1);
                loop.callSoon(resolve);
              });
            });
            // runs after starter in the same iteration, probed but before any recorded wait
            loop.callSoon(function tail() {
              spin(1);
            });
          }),
      );
      const records = loop.recorder.snapshot();
      const all = records.flatMap((r) => r.callbacks);
      assert.ok(!all.some((c) => c.name === 'tail'), 'a callback of the unrecorded iteration is not kept');
      const r = records.find((x) => x.callbacks.some((c) => c.name === 'two'));
      assert.ok(r, 'the next iteration is recorded');
      assert.deepEqual(
        r.callbacks.map((c) => c.name),
        ['anonymous', 'two', 'three'],
      );
      let at = r.startMs + r.blockedMs;
      for (const c of r.callbacks) {
        assert.ok(Math.abs(c.startMs - at) < 1e-6, `${c.name} starts where the previous one ended`);
        assert.ok(c.durationMs >= 0.9, `${c.name} spun 1 ms: ${c.durationMs}`);
        at = c.startMs + c.durationMs;
      }
      assert.ok(at <= r.startMs + r.durationMs + 1e-6, 'inside the iteration');
      for (const x of records)
        for (const c of x.callbacks) assert.ok(c.durationMs >= 0 && c.startMs >= x.startMs, c.name);
      loop.close();
    });
  });
}

test('a small ring over busy iterations keeps every event and callback of the iterations it keeps (the logs grow)', async () => {
  const fdsBefore = fdSnapshot();
  const loop = new EventLoop({ selector: 'epoll', mode: 'owner' });
  loop.recorder.enable(3);
  const PAIRS = 150;
  const ran: { iteration: number; fd: number }[] = [];
  const pairs: [number, number][] = [];
  const byte = new Uint8Array(1);
  const buf = new Uint8Array(8);
  for (let i = 0; i < PAIRS; i++) {
    const [a, b] = socketpair();
    pairs.push([a, b]);
    loop.addReader(
      a,
      function onByte() {
        read(a, buf);
        ran.push({ iteration: loop.stats().iterations + 1, fd: a });
      },
      { label: `pair ${a}` },
    );
  }
  // five rounds of 150 ready descriptors and 300 callSoon callbacks: more entries than the
  // smallest logs hold (256) for the three iterations kept
  for (let round = 0; round < 5; round++) {
    for (const [, b] of pairs) write(b, byte);
    for (let i = 0; i < 300; i++) loop.callSoon(function soon() {});
    const before = ran.length;
    while (ran.length < before + PAIRS) loop.runOnce(1000);
  }
  loop.runOnce(0); // the callSoon callbacks still queued
  const kept = loop.recorder.snapshot();
  assert.equal(kept.length, 3);
  let compared = 0;
  for (const record of kept) {
    const expected = ran.filter((r) => r.iteration === record.iteration).map((r) => r.fd);
    const readers = record.callbacks.filter((c) => c.kind === 'reader');
    assert.deepEqual(
      readers.map((c) => c.fd),
      expected,
    );
    for (const c of readers) {
      assert.equal(c.name, 'onByte');
      assert.equal(c.label, `pair ${c.fd}`);
      assert.ok(c.durationMs >= 0 && c.startMs >= record.startMs);
    }
    const eventFds = new Set(record.events.map((e) => e.fd));
    for (const fd of expected) assert.ok(eventFds.has(fd), `fd ${fd} was ready in ${record.iteration}`);
    for (const e of record.events) assert.equal(e.label, `pair ${e.fd}`);
    compared += readers.length;
    const soon = record.callbacks.filter((c) => c.kind === 'soon');
    assert.ok(soon.every((c) => c.name === 'soon'));
  }
  assert.ok(
    compared + kept.reduce((n, r) => n + r.callbacks.length, 0) > 256,
    'more than one log of entries',
  );
  // resize: smaller keeps the newest, larger keeps what there is, clear() forgets
  const last = loop.recorder.lastIteration;
  loop.recorder.enable(2);
  assert.deepEqual(
    loop.recorder.snapshot().map((r) => r.iteration),
    [last - 1, last],
  );
  loop.recorder.enable(50);
  loop.runOnce(0);
  assert.deepEqual(
    loop.recorder.snapshot().map((r) => r.iteration),
    [last - 1, last, last + 1],
  );
  loop.recorder.clear();
  assert.deepEqual(loop.recorder.snapshot(), []);
  assert.equal(loop.recorder.lastIteration, 0);
  loop.runOnce(0);
  assert.deepEqual(
    loop.recorder.snapshot().map((r) => r.iteration),
    [last + 2],
  );
  for (const [a, b] of pairs) {
    loop.removeReader(a);
    close(a);
    close(b);
  }
  loop.close();
  assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
});

test('enable() rejects a capacity that is not a whole number ≥ 1', () => {
  const loop = new EventLoop({ selector: 'poll' });
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => loop.recorder.enable(bad),
      (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
    );
  }
  assert.equal(loop.recorder.enabled, false);
  loop.close();
});

test('format() says how to start when nothing was recorded', () => {
  const loop = new EventLoop({ selector: 'poll' });
  assert.match(loop.recorder.format(), /enable\(\)/);
  loop.close();
});

test('records stay right as the ring comes round: each built once, gauge samples and watchdog reports with their own iteration', () => {
  const loop = new EventLoop({ selector: 'poll' });
  let value = 0;
  loop.recorder.gauge('value', () => value);
  loop.recorder.enable(3);
  const valueAt = new Map<number, number>();
  const stall = { message: 'a stall' } as unknown as StallReport;
  let stalledIn = -1;
  for (let i = 1; i <= 80; i++) {
    value = i;
    const t0 = performance.now();
    while (performance.now() - t0 < 1.1); // the gauges are read again at most once a millisecond
    if (i === 40) loop.recorder.noteStall(stall); // lands in the iteration being recorded
    loop.runOnce(0);
    valueAt.set(loop.recorder.lastIteration, i);
    if (i === 40) stalledIn = loop.recorder.lastIteration;
    const records = loop.recorder.snapshot();
    assert.equal(records.length, Math.min(i, 3));
    for (const r of records) {
      assert.equal(r.counters.gauges.value, valueAt.get(r.iteration), `gauges of iteration ${r.iteration}`);
      assert.deepEqual(r.stalls, r.iteration === stalledIn ? [stall] : []);
    }
    assert.equal(loop.recorder.snapshot().at(-1), records.at(-1), 'built once');
  }
  loop.close();
});

test('each timeout reason and callback kind has its own code', () => {
  for (const [i, reason] of TIMEOUT_REASONS.entries()) assert.equal(reasonCode(reason), i, reason);
  for (const [i, kind] of KINDS.entries()) assert.equal(kindCode(kind), i, kind);
});
