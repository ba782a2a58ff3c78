// Host, port and path checks, and IP literals as SocketAddress values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sys } from '../sys/constants.ts';
import { checkHost, checkPort, ipLiteralAddress, serverAddress, unixAddress } from './address.ts';

const isInvalid = (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT';

test('checkPort accepts integers 0–65535 only', () => {
  for (const p of [0, 1, 80, 65535]) assert.equal(checkPort(p), p);
  for (const p of [-1, 65536, 1.5, Number.NaN, '80', null, undefined]) {
    assert.throws(() => checkPort(p), isInvalid, String(p));
  }
  assert.throws(() => checkPort(70000), /use an integer from 0 to 65535/);
});

test('checkHost accepts IP literals (brackets removed) and host names, nothing else', () => {
  assert.equal(checkHost('127.0.0.1'), '127.0.0.1');
  assert.equal(checkHost('[::1]'), '::1');
  assert.equal(checkHost('fe80::1%2'), 'fe80::1%2');
  assert.equal(checkHost('example.com'), 'example.com');
  assert.equal(checkHost('my-host_1.local.'), 'my-host_1.local.');
  assert.equal(checkHost('localhost'), 'localhost');
  for (const h of ['', 'a b', 'http://x', 'x:80', '-a', 'a..b', '127.0.0.256', '1.2.3', 'x'.repeat(254), 7]) {
    assert.throws(() => checkHost(h), isInvalid, String(h));
  }
});

test('ipLiteralAddress parses v4 and v6 (normalised, numeric zone), null for names', () => {
  assert.deepEqual(ipLiteralAddress('10.0.0.1', 80), { family: 'ipv4', address: '10.0.0.1', port: 80 });
  assert.deepEqual(ipLiteralAddress('[0:0::1]', 443), { family: 'ipv6', address: '::1', port: 443 });
  assert.deepEqual(ipLiteralAddress('FE80::1%3', 1), {
    family: 'ipv6',
    address: 'fe80::1',
    port: 1,
    scopeId: 3,
  });
  assert.equal(ipLiteralAddress('localhost', 80), null);
  assert.equal(ipLiteralAddress('example.com', 80), null);
  assert.throws(() => ipLiteralAddress('fe80::1%eth0', 1), /interface's number/);
});

test('unixAddress checks emptiness, NUL bytes and the sockaddr_un length', () => {
  assert.deepEqual(unixAddress('/tmp/a.sock'), { family: 'unix', path: '/tmp/a.sock' });
  const max = sys.SOCKADDR_UN_PATH_MAX - 1;
  assert.equal(unixAddress(`/${'a'.repeat(max - 1)}`).path.length, max);
  for (const p of ['', 'a\0b', `/${'a'.repeat(max)}`, 5]) assert.throws(() => unixAddress(p), isInvalid);
});

test('serverAddress: loopback by default, localhost is 127.0.0.1, names and mixed targets refused', () => {
  assert.deepEqual(serverAddress({}), { family: 'ipv4', address: '127.0.0.1', port: 0 });
  assert.deepEqual(serverAddress({ host: 'LocalHost', port: 8080 }), {
    family: 'ipv4',
    address: '127.0.0.1',
    port: 8080,
  });
  assert.deepEqual(serverAddress({ host: '::', port: 1 }), { family: 'ipv6', address: '::', port: 1 });
  assert.deepEqual(serverAddress({ path: '/tmp/s' }), { family: 'unix', path: '/tmp/s' });
  assert.throws(() => serverAddress({ host: 'example.com' }), /Resolve the name first/);
  assert.throws(() => serverAddress({ path: '/tmp/s', host: '127.0.0.1' }), isInvalid);
  assert.throws(() => serverAddress({ port: -5 }), isInvalid);
});
