// FlowControl: water-mark rules (asyncio's), pause/resume alternation with hysteresis, and
// the write buffer's copying and consumption.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK, FlowControl } from './flow-control.ts';

const isInvalid = (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT';

test('defaults are 64 KiB / 16 KiB; high alone sets low = high/4, low alone sets high = 4×low', () => {
  const f = new FlowControl();
  assert.deepEqual(f.limits(), { high: DEFAULT_HIGH_WATER_MARK, low: DEFAULT_LOW_WATER_MARK });
  assert.deepEqual(f.limits(), { high: 65536, low: 16384 });
  f.setLimits(1001);
  assert.deepEqual(f.limits(), { high: 1001, low: 250 });
  f.setLimits(undefined, 10);
  assert.deepEqual(f.limits(), { high: 40, low: 10 });
  f.setLimits(0, 0);
  assert.deepEqual(f.limits(), { high: 0, low: 0 });
  assert.deepEqual(new FlowControl(100, 50).limits(), { high: 100, low: 50 });
});

test('bad marks throw InvalidArgumentError and leave the old ones', () => {
  const f = new FlowControl(100, 10);
  for (const [h, l] of [
    [10, 20],
    [-1, undefined],
    [1.5, undefined],
    [Number.NaN, undefined],
    [100, Number.POSITIVE_INFINITY],
  ]) {
    assert.throws(() => f.setLimits(h, l), isInvalid, `${h}/${l}`);
  }
  assert.deepEqual(f.limits(), { high: 100, low: 10 });
  assert.throws(() => new FlowControl(1, 2), isInvalid);
});

test('pause above high, resume at or below low, alternating, with hysteresis between', () => {
  const f = new FlowControl(100, 20);
  const signals: (string | null)[] = [];
  const step = (bytes: number) => {
    if (bytes > 0) f.push([Buffer.alloc(bytes)]);
    else f.consume(-bytes);
    signals.push(f.update());
  };
  step(100); // at the mark: not above it
  step(1); // 101 > 100
  step(50); // still paused: no second pause
  step(-100); // 51: between the marks, still paused
  step(-31); // 20: at low → resume
  step(-20); // 0: no second resume
  step(101); // pause again
  assert.deepEqual(signals, [null, 'pause', null, null, 'resume', null, 'pause']);
  assert.equal(f.isPaused, true);
});

test('push keeps references (from an offset); consume drops whole and partial chunks in order', () => {
  const f = new FlowControl();
  const a = Buffer.from('abcdef');
  const b = Buffer.from('ghij');
  f.push([a, b], 0, 2);
  assert.equal(f.buffered, 8);
  assert.equal(Buffer.concat(f.chunks).toString(), 'cdefghij');
  assert.equal(f.chunks[0]!.buffer, a.buffer, 'a view of the caller buffer, not a copy');
  assert.equal(f.chunks[1], b, 'the caller buffer itself');
  f.consume(3);
  assert.equal(Buffer.concat(f.chunks).toString(), 'fghij');
  assert.equal(f.chunks.length, 2);
  f.consume(1);
  assert.equal(f.chunks.length, 1, 'a fully sent chunk is dropped');
  f.push([Buffer.from('XY'), Buffer.from('Z')], 1);
  assert.equal(Buffer.concat(f.chunks).toString(), 'ghijZ', 'chunks before `first` are skipped');
  f.consume(5);
  assert.equal(f.buffered, 0);
  assert.deepEqual(f.chunks, []);
  f.push([Buffer.from('q')]);
  f.clear();
  assert.equal(f.buffered, 0);
});
