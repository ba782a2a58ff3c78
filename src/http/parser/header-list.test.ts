// HeaderList: lookups are ASCII case-insensitive, repeated fields join with ", ", and the
// conversions (Headers, plain object, iteration) keep every field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS, parseHead } from './message-head.ts';

const head = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  return parseHead(b, b.length, 'request', DEFAULT_LIMITS).headers;
};

test('get/getAll/has/indexOf are case-insensitive and keep order', () => {
  const h = head('GET / HTTP/1.1\r\nHost: a\r\nAccept: x\r\nX-Y: 1\r\naccept: y\r\n\r\n');
  assert.equal(h.size, 4);
  assert.equal(h.get('ACCEPT'), 'x, y');
  assert.deepEqual(h.getAll('accept'), ['x', 'y']);
  assert.equal(h.get('missing'), null);
  assert.ok(h.has('x-y'));
  assert.ok(!h.has('x-'));
  assert.equal(h.indexOf('accept', 2), 3);
  assert.equal(h.name(3), 'accept');
  assert.equal(h.value(2), '1');
});

test('conversions: iteration, Headers, object; obs-text survives as latin1', () => {
  const h = head('GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\nx-a: 2\r\n\r\n');
  assert.deepEqual(
    [...h],
    [
      ['Host', 'a'],
      ['X-A', 'caf\xe9'],
      ['x-a', '2'],
    ],
  );
  assert.deepEqual(h.toObject(), { host: 'a', 'x-a': 'caf\xe9, 2' });
  assert.equal(h.toHeaders().get('x-a'), 'caf\xe9, 2');
});

test('valueIs compares bytes; targets of the same length are told apart (the last one is reused)', () => {
  const h = head('GET / HTTP/1.1\r\nHost: a.example:80\r\nX-A: caf\xe9\r\n\r\n');
  assert.ok(h.valueIs(0, 'a.example:80'));
  assert.ok(!h.valueIs(0, 'b.example:80'));
  assert.ok(!h.valueIs(0, 'a.example:8'));
  assert.ok(h.valueIs(1, 'caf\xe9'));
  const bytes = (s: string) => Buffer.from(s, 'latin1');
  assert.ok(h.valueBytesAre(0, bytes('a.example:80')));
  assert.ok(!h.valueBytesAre(0, bytes('b.example:80')));
  assert.ok(!h.valueBytesAre(0, bytes('a.example:8')));
  assert.ok(!h.valueBytesAre(0, new Uint8Array(0)));
  assert.ok(h.valueBytesAre(1, bytes('caf\xe9')));
  const target = (t: string) => {
    const b = Buffer.from(`GET ${t} HTTP/1.1\r\nHost: a\r\n\r\n`, 'latin1');
    return parseHead(b, b.length, 'request', DEFAULT_LIMITS).target;
  };
  assert.deepEqual(['/a', '/a', '/b', '/a', '/ab', '/b', '/c'].map(target), [
    '/a',
    '/a',
    '/b',
    '/a',
    '/ab',
    '/b',
    '/c',
  ]);
});
