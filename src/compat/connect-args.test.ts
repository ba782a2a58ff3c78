// The argument shapes of net.connect and server.listen, normalized.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.ts';
import { normalizeConnectArgs, normalizeListenArgs, toFamily, toPort } from './connect-args.ts';

const cb = () => {};

test('connect: (options, cb), (port, host, cb), (port), (path, cb), numeric strings', () => {
  const o = { port: 1, host: 'h' };
  assert.deepEqual(normalizeConnectArgs([o, cb]), [o, cb]);
  assert.deepEqual(normalizeConnectArgs([80, '127.0.0.1', cb]), [{ port: 80, host: '127.0.0.1' }, cb]);
  assert.deepEqual(normalizeConnectArgs([80]), [{ port: 80 }, undefined]);
  assert.deepEqual(normalizeConnectArgs(['8080', cb]), [{ port: '8080' }, cb]);
  assert.deepEqual(normalizeConnectArgs(['/tmp/s.sock', cb]), [{ path: '/tmp/s.sock' }, cb]);
  // As net: no target gives {}, anything else is a port; connect() checks both (node-errors.ts).
  assert.deepEqual(normalizeConnectArgs([]), [{}, undefined]);
  assert.deepEqual(normalizeConnectArgs([cb]), [{}, cb]);
  assert.deepEqual(normalizeConnectArgs([true]), [{ port: true }, undefined]);
});

test('connect: the array net._normalizeArgs returns is read as it is; a plain array is options', () => {
  const normalized = createRequire(import.meta.url)('node:net')._normalizeArgs([{ port: 5 }, cb]);
  assert.deepEqual(normalizeConnectArgs([normalized]), [{ port: 5 }, cb]);
  const plain = [{ port: 5 }, cb];
  assert.deepEqual(normalizeConnectArgs([plain]), [plain, undefined]);
});

test('listen: (), (cb), (port, host, backlog, cb), (path, backlog), (options, cb)', () => {
  assert.deepEqual(normalizeListenArgs([]), [{ port: 0 }, undefined]);
  assert.deepEqual(normalizeListenArgs([cb]), [{ port: 0 }, cb]);
  assert.deepEqual(normalizeListenArgs([8, '::1', 5, cb]), [{ port: 8, host: '::1', backlog: 5 }, cb]);
  assert.deepEqual(normalizeListenArgs([8, 5]), [{ port: 8, backlog: 5 }, undefined]);
  assert.deepEqual(normalizeListenArgs(['/p', 3]), [{ path: '/p', backlog: 3 }, undefined]);
  assert.deepEqual(normalizeListenArgs([{ port: 1 }, cb]), [{ port: 1 }, cb]);
  assert.throws(() => normalizeListenArgs([true]), InvalidArgumentError);
});

test('ports and families', () => {
  assert.equal(toPort('6379', 'connect'), 6379);
  assert.equal(toPort(0, 'listen'), 0);
  assert.throws(() => toPort(0, 'connect'), /from 1 to 65535/);
  assert.throws(() => toPort(65536, 'listen'), InvalidArgumentError);
  assert.throws(() => toPort('http', 'connect'), InvalidArgumentError);
  assert.throws(() => toPort(1.5, 'connect'), InvalidArgumentError);
  assert.equal(toFamily(4), 'ipv4');
  assert.equal(toFamily(6), 'ipv6');
  assert.equal(toFamily(0), undefined);
  assert.throws(() => toFamily(5), InvalidArgumentError);
});
