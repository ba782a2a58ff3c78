// struct kevent encoding, checked byte by byte against the documented ABI of every platform
// (docs/backends/kqueue.md). Needs no kqueue library: it runs on Linux as is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as kq from './kqueue.ts';

const layouts = Object.entries(kq.kqueueLayouts) as [kq.KeventLayoutName, kq.KeventLayout][];

// The C declarations, as offsets: ident u64 @0, filter i16 @8, flags u16 @10, fflags u32 @12,
// data i64 @16, udata ptr @24; FreeBSD 12+ appends uint64_t ext[4] @32.
const documented: Record<kq.KeventLayoutName, { stride: number; ext: number; user: number }> = {
  darwin: { stride: 32, ext: -1, user: -10 },
  freebsd11: { stride: 32, ext: -1, user: -11 },
  freebsd12: { stride: 64, ext: 32, user: -11 },
  libkqueue: { stride: 32, ext: -1, user: -11 },
};

test('every layout matches the documented offsets and stride', () => {
  assert.deepEqual(Object.keys(kq.kqueueLayouts).sort(), Object.keys(documented).sort());
  for (const [name, L] of layouts) {
    const d = documented[name];
    assert.deepEqual(
      { ident: L.ident, filter: L.filter, flags: L.flags, fflags: L.fflags, data: L.data, udata: L.udata },
      { ident: 0, filter: 8, flags: 10, fflags: 12, data: 16, udata: 24 },
      name,
    );
    assert.equal(L.stride, d.stride, `${name} stride`);
    assert.equal(L.ext, d.ext, `${name} ext`);
    assert.equal(L.EVFILT_USER, d.user, `${name} EVFILT_USER`);
  }
});

test('constants have their <sys/event.h> values', () => {
  assert.deepEqual([kq.EVFILT_READ, kq.EVFILT_WRITE, kq.EVFILT_SIGNAL, kq.EVFILT_TIMER], [-1, -2, -6, -7]);
  assert.deepEqual(
    [kq.EV_ADD, kq.EV_DELETE, kq.EV_ENABLE, kq.EV_DISABLE, kq.EV_ONESHOT, kq.EV_CLEAR, kq.EV_RECEIPT],
    [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40],
  );
  assert.deepEqual([kq.EV_ERROR, kq.EV_EOF], [0x4000, 0x8000]);
  assert.equal(kq.TIMESPEC_SIZE, 16);
});

test('set() writes each field at its offset, entry i at i × stride', () => {
  for (const [name, L] of layouts) {
    const a = new kq.KeventArray(L, 3);
    assert.equal(a.bytes.length, 3 * L.stride, `${name}: capacity × stride bytes`);
    a.set(1, 7, kq.EVFILT_READ, kq.EV_ADD | kq.EV_RECEIPT, 0xdeadbeef, -2);
    const v = new DataView(a.bytes.buffer, a.bytes.byteOffset);
    const o = L.stride;
    assert.equal(v.getBigUint64(o + 0, true), 7n, `${name} ident`);
    assert.equal(v.getInt16(o + 8, true), -1, `${name} filter`);
    assert.equal(v.getUint16(o + 10, true), 0x41, `${name} flags`);
    assert.equal(v.getUint32(o + 12, true), 0xdeadbeef, `${name} fflags`);
    assert.equal(v.getBigInt64(o + 16, true), -2n, `${name} data`);
    assert.equal(v.getBigUint64(o + 24, true), 0n, `${name} udata`);
    assert.ok(
      a.bytes.subarray(0, o).every((b) => b === 0) && a.bytes.subarray(2 * o).every((b) => b === 0),
      `${name}: neighbours untouched`,
    );
  }
});

test('set() zeroes udata and ext[4] even over garbage', () => {
  for (const [name, L] of layouts) {
    const a = new kq.KeventArray(L, 2);
    a.bytes.fill(0xff);
    a.set(0, 3, kq.EVFILT_WRITE, kq.EV_DELETE);
    const v = new DataView(a.bytes.buffer, a.bytes.byteOffset);
    assert.equal(v.getBigUint64(24, true), 0n, `${name} udata zeroed`);
    if (L.ext >= 0) {
      for (let k = 0; k < 4; k++) assert.equal(v.getBigUint64(L.ext + 8 * k, true), 0n, `${name} ext[${k}]`);
    }
    assert.equal(v.getBigInt64(16, true), 0n, `${name} data defaults to 0`);
    assert.equal(v.getUint32(12, true), 0, `${name} fflags defaults to 0`);
    assert.ok(
      a.bytes.subarray(L.stride).every((b) => b === 0xff),
      `${name}: the next entry is not touched`,
    );
  }
});

test('negative filters round-trip (int16), EVFILT_USER per platform included', () => {
  for (const [name, L] of layouts) {
    const filters = [kq.EVFILT_READ, kq.EVFILT_WRITE, kq.EVFILT_SIGNAL, kq.EVFILT_TIMER, L.EVFILT_USER];
    const a = new kq.KeventArray(L, filters.length);
    for (const [i, f] of filters.entries()) a.set(i, i, f, kq.EV_ADD);
    assert.deepEqual(
      filters.map((_, i) => a.filter(i)),
      filters,
      name,
    );
    const v = new DataView(a.bytes.buffer);
    assert.equal(v.getUint16(L.stride * 4 + 8, true), 0x10000 + L.EVFILT_USER, `${name}: two's complement`);
  }
});

test('data is a signed 64-bit integer; ident an unsigned 64-bit one', () => {
  const values = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32) - 5, 2 ** 53 - 1, -(2 ** 53 - 1)];
  for (const [name, L] of layouts) {
    const a = new kq.KeventArray(L, values.length);
    for (const [i, d] of values.entries()) a.set(i, 2 ** 40 + i, kq.EVFILT_READ, 0, 0, d);
    const v = new DataView(a.bytes.buffer);
    values.forEach((d, i) => {
      assert.equal(a.data(i), d, `${name} data(${i}) round-trips`);
      assert.equal(v.getBigInt64(i * L.stride + 16, true), BigInt(d), `${name} data(${i}) is C's int64`);
      assert.equal(a.ident(i), 2 ** 40 + i, `${name} ident(${i})`);
      assert.equal(v.getBigUint64(i * L.stride, true), BigInt(2 ** 40 + i));
    });
  }
});

test('decodes an entry the kernel wrote (built with BigInt writes, as C would)', () => {
  for (const [name, L] of layouts) {
    const a = new kq.KeventArray(L, 2);
    const v = new DataView(a.bytes.buffer);
    const o = L.stride;
    v.setBigUint64(o, 12n, true);
    v.setInt16(o + 8, kq.EVFILT_WRITE, true);
    v.setUint16(o + 10, kq.EV_ADD | kq.EV_EOF | kq.EV_ERROR, true);
    v.setUint32(o + 12, 104, true);
    v.setBigInt64(o + 16, 65536n, true);
    v.setBigUint64(o + 24, 0xffff_ffff_ffffn, true);
    assert.deepEqual(
      [a.ident(1), a.filter(1), a.flags(1), a.fflags(1), a.data(1)],
      [12, -2, 0xc001, 104, 65536],
      name,
    );
    assert.ok(a.flags(1) & kq.EV_ERROR, 'EV_ERROR is tested as a bit');
  }
});

test('the array grows on demand and keeps what was written', () => {
  const a = new kq.KeventArray(kq.kqueueLayouts.freebsd12, 1);
  a.set(0, 5, kq.EVFILT_READ, kq.EV_ADD, 0, 9);
  a.set(4, 6, kq.EVFILT_WRITE, kq.EV_ADD);
  assert.ok(a.capacity >= 5);
  assert.equal(a.bytes.length, a.capacity * 64);
  assert.deepEqual([a.ident(0), a.filter(0), a.data(0)], [5, -1, 9]);
  assert.deepEqual([a.ident(4), a.filter(4)], [6, -2]);
  const before = a.bytes;
  a.reserve(2);
  assert.equal(a.bytes, before, 'reserve within capacity keeps the same buffer');
});

test('timespec: milliseconds become {int64 sec, int64 nsec}, fractions rounded up to a nanosecond', () => {
  const out = new DataView(new ArrayBuffer(kq.TIMESPEC_SIZE));
  const enc = (ms: number) => {
    kq.encodeTimespec(out, ms);
    return [out.getBigInt64(0, true), out.getBigInt64(8, true)];
  };
  assert.deepEqual(enc(0), [0n, 0n]);
  assert.deepEqual(enc(1), [0n, 1_000_000n]);
  assert.deepEqual(enc(1500.5), [1n, 500_500_000n]);
  assert.deepEqual(enc(2 ** 31 - 1), [2_147_483n, 647_000_000n]);
  assert.deepEqual(enc(0.0000001), [0n, 1n], 'never rounded down to 0 ns');
  const [sec = -1n, nsec = -1n] = enc(999.9999999);
  assert.ok(nsec < 1_000_000_000n && sec * 1_000_000_000n + nsec >= 999_999_999n);
});

test('this process picks its layout by OS (libkqueue on Linux)', () => {
  const expected = { linux: ['libkqueue'], darwin: ['darwin'], freebsd: ['freebsd11', 'freebsd12'] }[
    process.platform as 'linux' | 'darwin' | 'freebsd'
  ];
  assert.ok(expected.includes(kq.layoutName));
  assert.equal(kq.layout, kq.kqueueLayouts[kq.layoutName]);
});

test('kevent() refuses arrays too small for the counts, or in another layout (before any call)', () => {
  const small = new kq.KeventArray(kq.layout, 2);
  assert.throws(() => kq.kevent(-1, null, 0, small, 3, 0), RangeError);
  assert.throws(() => kq.kevent(-1, small, 3, null, 0, 0), RangeError);
  assert.throws(() => kq.kevent(-1, null, 1, null, 0, 0), RangeError);
  const other =
    kq.layout === kq.kqueueLayouts.freebsd12 ? kq.kqueueLayouts.darwin : kq.kqueueLayouts.freebsd12;
  assert.throws(() => kq.kevent(-1, null, 0, new kq.KeventArray(other, 4), 1, 0), RangeError);
});
