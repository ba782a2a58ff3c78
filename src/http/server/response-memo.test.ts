// The per-response memos of the server's hot path (issue 10): the Date from the loop's time, the
// fields serialized or snapshotted once for the same names and values, and the bytes of a response
// made again. Each must give what making it afresh gives — a changed object, status, body or
// second makes it anew.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpDate, loopHttpDate } from './http-date.ts';
import { snapshotFields } from './light-fields.ts';
import { LightResponse, lightParts } from './light-response.ts';
import { responseBytes } from './response-bytes.ts';
import { headString, serializeFields } from './response-head.ts';

const invalid = (e: unknown): boolean => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT';

test('loopHttpDate reads the wall clock once per second of the loop clock', (t) => {
  let wall = 1_700_000_000_250; // .250 into a second
  t.mock.method(Date, 'now', () => wall);
  const clock = {
    ms: 5000,
    time(): number {
      return this.ms;
    },
  };
  const first = loopHttpDate(clock);
  assert.equal(first, httpDate(1_700_000_000_250));
  wall += 10_000; // the wall clock moved, the loop's cached time did not: the same second
  clock.ms += 749;
  assert.equal(loopHttpDate(clock), first, 'within the second: not read again');
  clock.ms += 1; // 750 ms after .250: the next second
  assert.equal(loopHttpDate(clock), httpDate(wall), 'the next second: read again');
  const other = { time: (): number => 0 };
  wall += 5000;
  assert.equal(loopHttpDate(other), httpDate(wall), 'another clock: read again');
  wall += 3000;
  clock.ms -= 100_000; // a clock that went back: read again
  assert.equal(loopHttpDate(clock), httpDate(wall));
});

test('serializeFields: the same names and values give the same result; a change gives a new one', () => {
  const fields: Record<string, string> = { 'content-type': 'text/plain', 'x-a': '1' };
  const a = serializeFields(fields);
  assert.equal(serializeFields(fields), a, 'remembered');
  assert.equal(
    serializeFields({ 'content-type': 'text/plain', 'x-a': '1' }),
    a,
    'another object, same fields',
  );
  fields['x-a'] = '2'; // the same object, changed
  assert.equal(serializeFields(fields).lines, 'content-type: text/plain\r\nx-a: 2\r\n');
  const pairs: [string, string][] = [['x-b', '1']];
  assert.equal(serializeFields(pairs).lines, 'x-b: 1\r\n');
  pairs.push(['content-length', '3']);
  const withLength = serializeFields(pairs);
  assert.deepEqual([withLength.lines, withLength.contentLength], ['x-b: 1\r\n', 3]);
  assert.equal(serializeFields({ 'x-n': 1 }).lines, 'x-n: 1\r\n', 'a number value');
  assert.equal(serializeFields({ 'x-n': 2 }).lines, 'x-n: 2\r\n', 'non-string values are not remembered');
  // A bad field after a good one with the same name is still refused.
  serializeFields({ 'x-v': 'ok' });
  assert.throws(() => serializeFields({ 'x-v': 'o\r\nk' }), invalid);
  assert.throws(() => serializeFields([['x-v', 'o\nk']]), invalid);
});

test('responseBytes: the same response again is a Buffer of the same bytes; any change makes it anew', () => {
  const f = serializeFields({ 'content-type': 'text/plain' });
  const date = httpDate(1_700_000_000_000);
  const text = `${headString(200, f, 'length', 5, true, 1, null, date)}hello`;
  const first = responseBytes(200, f, 'length', 5, true, 1, date, 'hello');
  assert.equal(first, text, 'made the first time as a string');
  const again = responseBytes(200, f, 'length', 5, true, 1, date, 'hello');
  assert.ok(Buffer.isBuffer(again) && again.toString() === text, 'again: the bytes, encoded once');
  assert.equal(responseBytes(200, f, 'length', 5, true, 1, date, `hel${'lo'}`), again, 'the same text');
  const later = httpDate(1_700_000_001_000);
  const changes: [string, string | Buffer, string][] = [
    ['date', responseBytes(200, f, 'length', 5, true, 1, later, 'hello'), later],
    ['status', responseBytes(201, f, 'length', 5, true, 1, later, 'hello'), '201 Created'],
    ['body', responseBytes(201, f, 'length', 5, true, 1, later, 'world'), 'world'],
    ['keep-alive', responseBytes(201, f, 'length', 5, false, 1, later, 'world'), 'Connection: close'],
    ['HTTP/1.0', responseBytes(201, f, 'length', 5, true, 0, later, 'world'), 'Connection: keep-alive'],
    ['length', responseBytes(201, f, 'length', 7, true, 0, later, 'world'), 'Content-Length: 7'],
  ];
  for (const [what, got, expect] of changes) {
    assert.equal(typeof got, 'string', `${what} changed: made anew`);
    assert.ok(String(got).includes(expect), `${what}: ${String(got)}`);
  }
  const g = serializeFields({ 'content-type': 'text/html' });
  const other = responseBytes(201, g, 'length', 7, true, 0, later, 'world');
  assert.ok(typeof other === 'string' && other.includes('text/html'), 'other fields: made anew');
  assert.equal(
    responseBytes(404, f, 'length', 0, true, 1, date, null),
    responseBytes(404, f, 'length', 0, true, 1, date, null).toString(),
  );
});

test('LightResponse snapshots: the same fields object changed later is seen; earlier responses keep theirs', () => {
  const headers: Record<string, string> = { 'x-a': '1' };
  const r1 = new LightResponse('a', { headers });
  const r2 = new LightResponse('b', { headers });
  headers['x-a'] = '2';
  const r3 = new LightResponse('c', { headers });
  assert.equal(r1.headers.get('x-a'), '1');
  assert.equal(r2.headers.get('x-a'), '1');
  assert.equal(r3.headers.get('x-a'), '2');
  r2.headers.set('x-a', '9'); // a Headers of its own: the shared snapshot is not changed
  assert.equal(new LightResponse('d', { headers: { 'x-a': '1' } }).headers.get('x-a'), '1');
  const p = lightParts(new LightResponse(new Uint8Array(1), { headers: { 'x-a': '1' } }));
  assert.ok(p !== null && 'light' in p);
  assert.deepEqual(p.headers, [['x-a', '1']], 'bytes: no default content-type');
  assert.deepEqual(snapshotFields({ 'x-a': '1' }, 'text/plain'), [
    ['x-a', '1'],
    ['content-type', 'text/plain'],
  ]);
  assert.deepEqual(snapshotFields({ 'x-a': '1', 'Content-Type': 'a/b' }, 'text/plain'), [
    ['x-a', '1'],
    ['Content-Type', 'a/b'],
  ]);
  assert.deepEqual(snapshotFields(undefined, 'text/plain'), [['content-type', 'text/plain']]);
  assert.equal(snapshotFields({ 'x-a': 'b\r\nad' }, null), null, 'after a remembered one: judged');
  assert.equal(snapshotFields([['x-a', 'snow ☃']], null), null);
  assert.throws(() => new LightResponse('x', { headers: { 'x-a': 'b\nad' } }), TypeError);
});
