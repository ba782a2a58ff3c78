// OsError carries what Node's ErrnoException carries (errno, code, syscall) and a message that
// names the call; errno names come from the platform's own table.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { libc } from './binding.ts';
import {
  EAGAIN,
  EBADF,
  ECONNREFUSED,
  EINTR,
  EPIPE,
  EWOULDBLOCK,
  errnoName,
  isWouldBlock,
  lastOsError,
  OsError,
} from './errno.ts';

test('OsError has errno, code, syscall, name and a message naming the call', () => {
  const e = new OsError('connect', ECONNREFUSED, '127.0.0.1:9');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'OsError');
  assert.equal(e.errno, ECONNREFUSED);
  assert.ok(e.errno > 0, 'errno is the positive C value (libuv negates it; nbio does not)');
  assert.equal(e.code, 'ECONNREFUSED');
  assert.equal(e.syscall, 'connect');
  assert.equal(e.message, 'connect() failed: ECONNREFUSED (127.0.0.1:9)');
  assert.equal(new OsError('pipe2', EPIPE).message, 'pipe2() failed: EPIPE', 'no detail, no parentheses');
  assert.match(e.stack ?? '', /OsError: connect\(\) failed/);
});

test('errno constants are the platform values Node knows', () => {
  const table = constants.errno as Record<string, number>;
  assert.equal(EAGAIN, table.EAGAIN);
  assert.equal(EBADF, table.EBADF);
  assert.equal(EINTR, table.EINTR);
  assert.equal(EWOULDBLOCK, EAGAIN, 'the same value on Linux, macOS and FreeBSD');
  if (process.platform === 'linux') assert.equal(EAGAIN, 11);
  if (process.platform === 'darwin' || process.platform === 'freebsd') assert.equal(EAGAIN, 35);
});

test('errnoName: known values by name, aliases resolved to the usual name, unknowns as E<n>', () => {
  assert.equal(errnoName(ECONNREFUSED), 'ECONNREFUSED');
  assert.equal(errnoName(EAGAIN), 'EAGAIN');
  assert.equal(errnoName(EWOULDBLOCK), 'EAGAIN', 'EWOULDBLOCK is an alias of EAGAIN');
  assert.equal(errnoName(99_999), 'E99999');
  assert.equal(errnoName(0), 'E0', '0 is no error, so it has no name');
  assert.equal(new OsError('read', 99_999).code, 'E99999', 'an unknown errno still makes a usable error');
});

test('isWouldBlock is true only for an OsError of EAGAIN/EWOULDBLOCK', () => {
  assert.equal(isWouldBlock(new OsError('read', EAGAIN)), true);
  assert.equal(isWouldBlock(new OsError('read', EWOULDBLOCK)), true);
  assert.equal(isWouldBlock(new OsError('read', EBADF)), false);
  assert.equal(isWouldBlock(Object.assign(new Error('EAGAIN'), { errno: EAGAIN, code: 'EAGAIN' })), false);
  assert.equal(isWouldBlock(undefined), false);
});

test('lastOsError reads the errno the last native call left', () => {
  const close = libc.func('int close(int fd)');
  assert.equal(close(-1), -1);
  const e = lastOsError('close', 'fd -1');
  assert.equal(e.errno, EBADF);
  assert.equal(e.code, 'EBADF');
  assert.equal(e.syscall, 'close');
  assert.equal(e.message, 'close() failed: EBADF (fd -1)');
});
