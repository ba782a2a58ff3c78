// The descriptor calls against the real kernel: pipes born non-blocking and close-on-exec,
// would-block as a value, scatter/gather I/O, eventfd counter semantics, close exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sys } from './constants.ts';
import { OsError } from './errno.ts';
import {
  close,
  dup,
  eventfd,
  fcntl,
  hasEventfd,
  isNonBlocking,
  isOpen,
  pipe,
  read,
  readv,
  setCloseOnExec,
  setNonBlocking,
  WOULD_BLOCK,
  write,
  writev,
} from './fd.ts';

const isCode = (code: string, syscall: string) => (e: unknown) =>
  e instanceof OsError && e.code === code && e.syscall === syscall;

/** Reads an eventfd's 8-byte counter, or WOULD_BLOCK. */
function readCounter(fd: number): bigint | typeof WOULD_BLOCK {
  const b = new BigUint64Array(1);
  const n = read(fd, new Uint8Array(b.buffer));
  if (n === WOULD_BLOCK) return WOULD_BLOCK;
  assert.equal(n, 8, 'an eventfd read is always 8 bytes');
  return b[0]!; // a BigUint64Array(1)
}

/** Adds `v` to an eventfd's counter. */
function addCounter(fd: number, v: bigint): number {
  return write(fd, new Uint8Array(new BigUint64Array([v]).buffer));
}

describe('descriptor calls', () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('pipe: both ends non-blocking and close-on-exec from birth', () => {
    const [r, w] = pipe();
    for (const fd of [r, w]) {
      assert.ok(isNonBlocking(fd), `fd ${fd} is O_NONBLOCK`);
      assert.ok((fcntl(fd, sys.F_GETFD) & sys.FD_CLOEXEC) !== 0, `fd ${fd} is FD_CLOEXEC`);
    }
    close(r);
    close(w);
  });

  test('read of an empty pipe is WOULD_BLOCK; end of file is 0', () => {
    const [r, w] = pipe();
    const buf = new Uint8Array(16);
    assert.equal(read(r, buf), WOULD_BLOCK);
    assert.equal(write(w, Buffer.from('abc')), 3);
    assert.equal(read(r, buf, 4, 2), 2, 'offset and length are honoured');
    assert.deepEqual([...buf.subarray(4, 6)], [0x61, 0x62]);
    assert.equal(read(r, buf), 1);
    close(w);
    assert.equal(read(r, buf), 0, 'writer gone, pipe empty: end of file');
    close(r);
  });

  test('write to a full pipe is WOULD_BLOCK, after a partial write', () => {
    const [r, w] = pipe();
    const chunk = new Uint8Array(4096 + 100);
    let total = 0;
    let n = 0;
    for (let i = 0; i < 10_000 && n !== WOULD_BLOCK; i++) {
      n = write(w, chunk);
      if (n > 0) total += n;
    }
    assert.equal(n, WOULD_BLOCK);
    assert.ok(total >= 4096, `the pipe took ${total} bytes first`);
    close(r);
    close(w);
  });

  test('writev gathers and readv scatters several buffers in one call', () => {
    const [r, w] = pipe();
    const parts = ['alpha-', 'beta-', '', 'gamma'].map((s) => Buffer.from(s));
    assert.equal(writev(w, parts), 16);
    const outs = [new Uint8Array(3), new Uint8Array(0), new Uint8Array(10), new Uint8Array(10)] as const;
    assert.equal(readv(r, outs), 16);
    assert.equal(Buffer.concat(outs).subarray(0, 16).toString(), 'alpha-beta-gamma');
    assert.equal(Buffer.from(outs[0]).toString(), 'alp', 'the first buffer is filled first');
    assert.equal(Buffer.from(outs[2]).toString(), 'ha-beta-ga');
    assert.equal(readv(r, outs), WOULD_BLOCK);
    assert.equal(writev(w, []), 0, 'no buffers: nothing to do');
    assert.equal(readv(r, []), 0);
    close(w);
    assert.equal(readv(r, [new Uint8Array(4)]), 0, 'end of file');
    close(r);
  });

  test(
    'eventfd: a counter that adds on write and resets on read',
    { skip: !hasEventfd && 'eventfd is Linux-only' },
    () => {
      const fd = eventfd(0);
      assert.ok(isNonBlocking(fd));
      assert.ok((fcntl(fd, sys.F_GETFD) & sys.FD_CLOEXEC) !== 0);
      assert.equal(readCounter(fd), WOULD_BLOCK, 'a zero counter would block');
      assert.equal(addCounter(fd, 3n), 8);
      assert.equal(addCounter(fd, 4n), 8);
      assert.equal(readCounter(fd), 7n, 'writes add up; one read returns the sum');
      assert.equal(readCounter(fd), WOULD_BLOCK, 'and resets it to zero');
      // Writes that are not 8 bytes, or the value 2^64−1, are EINVAL.
      assert.throws(() => write(fd, new Uint8Array(4)), isCode('EINVAL', 'write'));
      assert.throws(() => addCounter(fd, 0xffffffffffffffffn), isCode('EINVAL', 'write'));
      // A counter at its maximum (2^64−2) would overflow: the write would block.
      assert.equal(addCounter(fd, 0xfffffffffffffffen), 8);
      assert.equal(addCounter(fd, 1n), WOULD_BLOCK);
      assert.equal(readCounter(fd), 0xfffffffffffffffen);
      close(fd);
      const five = eventfd(5);
      assert.equal(readCounter(five), 5n, 'the initial value counts');
      close(five);
    },
  );

  test(
    'eventfd where the platform has none: OsError ENOSYS',
    { skip: hasEventfd && 'this platform has eventfd' },
    () => {
      assert.throws(() => eventfd(0), isCode('ENOSYS', 'eventfd'));
    },
  );

  test('close twice: the second is OsError EBADF; isOpen follows', () => {
    const [r, w] = pipe();
    assert.ok(isOpen(r) && isOpen(w));
    close(r);
    assert.equal(isOpen(r), false);
    assert.throws(
      () => close(r),
      (e: unknown) => isCode('EBADF', 'close')(e) && /fd \d+/.test((e as Error).message),
    );
    close(w);
    assert.throws(() => read(r, new Uint8Array(1)), isCode('EBADF', 'read'));
    assert.throws(() => write(w, new Uint8Array(1)), isCode('EBADF', 'write'));
  });

  test('isOpen is false for numbers that cannot be descriptors', () => {
    for (const fd of [-1, 1.5, Number.NaN, 2 ** 31]) assert.equal(isOpen(fd), false, `isOpen(${fd})`);
    assert.equal(isOpen(0) || isOpen(1) || isOpen(2), true, 'a standard stream is open');
  });

  test('setNonBlocking and setCloseOnExec toggle the flags; dup makes a blocking, inheritable copy', () => {
    const [r, w] = pipe();
    const copy = dup(r);
    assert.notEqual(copy, r);
    // O_NONBLOCK lives on the open file description, shared with the dup; FD_CLOEXEC does not.
    assert.ok(isNonBlocking(copy));
    assert.equal(fcntl(copy, sys.F_GETFD) & sys.FD_CLOEXEC, 0, 'dup() clears FD_CLOEXEC');
    setCloseOnExec(copy);
    assert.ok((fcntl(copy, sys.F_GETFD) & sys.FD_CLOEXEC) !== 0);
    setNonBlocking(copy, false);
    assert.equal(isNonBlocking(r), false, 'the flag is shared through the description');
    setNonBlocking(r, true);
    assert.ok(isNonBlocking(copy));
    assert.throws(() => dup(-1), isCode('EBADF', 'dup'));
    for (const fd of [copy, r, w]) close(fd);
  });
});
