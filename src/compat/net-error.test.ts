// nbio errors turned into the ErrnoException shapes libraries test for.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import {
  AbortedError,
  AddressInUseError,
  BrokenResourceError,
  ConnectionRefusedError,
  InvalidArgumentError,
  NameResolutionError,
  TimeoutError,
} from '../errors.ts';
import { OsError } from '../sys/errno.ts';
import { NetError, toNetError } from './net-error.ts';

const E = constants.errno;

test('each nbio error maps to net’s code, syscall and message, keeping the nbio error as cause', () => {
  const refused = new ConnectionRefusedError('127.0.0.1:9', {
    cause: new OsError('connect', E.ECONNREFUSED),
  });
  const cases: [Error, object, string][] = [
    [
      refused,
      { code: 'ECONNREFUSED', syscall: 'connect', errno: -E.ECONNREFUSED },
      'connect ECONNREFUSED 127.0.0.1:9',
    ],
    [
      new AddressInUseError('127.0.0.1:9', { cause: new OsError('bind', E.EADDRINUSE) }),
      { code: 'EADDRINUSE', syscall: 'listen', errno: -E.EADDRINUSE },
      'listen EADDRINUSE: address already in use 127.0.0.1:9', // libuv's words, as net
    ],
    [
      new BrokenResourceError('broke', { cause: new OsError('recv', E.ECONNRESET) }),
      { code: 'ECONNRESET', syscall: 'read' },
      'read ECONNRESET 127.0.0.1:9',
    ],
    [
      new BrokenResourceError('broke', { cause: new OsError('writev', E.EPIPE) }),
      { code: 'EPIPE', syscall: 'write' },
      'write EPIPE 127.0.0.1:9',
    ],
    [new TimeoutError('slow'), { code: 'ETIMEDOUT', syscall: 'connect' }, 'connect ETIMEDOUT 127.0.0.1:9'],
    [new AbortedError('stop'), { code: 'ABORT_ERR', name: 'AbortError' }, 'ABORT_ERR'],
  ];
  for (const [err, fields, message] of cases) {
    const n = toNetError(err, { address: '127.0.0.1', port: 9 });
    assert.ok(n instanceof NetError, err.name);
    assert.equal(n.message, message);
    assert.equal(n.cause, err);
    for (const [k, v] of Object.entries(fields))
      assert.equal((n as unknown as Record<string, unknown>)[k], v, k);
  }
  const dns = toNetError(new NameResolutionError('nowhere.invalid', 'not known')) as NetError;
  assert.deepEqual([dns.code, dns.syscall, dns.hostname], ['ENOTFOUND', 'getaddrinfo', 'nowhere.invalid']);
  assert.equal(dns.message, 'getaddrinfo ENOTFOUND nowhere.invalid');
});

test('other errors pass unchanged', () => {
  const bad = new InvalidArgumentError('no');
  assert.equal(toNetError(bad), bad);
  const already = new NetError('EPIPE', 'write');
  assert.equal(toNetError(already), already);
  assert.equal(toNetError('text').message, 'text');
});
