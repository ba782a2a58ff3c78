// ValidStrings: remembers what passed, up to its bounds; the checks that use it still refuse bad
// input however often good input came before (response-head and LightResponse).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LightResponse } from './light-response.ts';
import { serializeFields } from './response-head.ts';
import { ValidStrings } from './valid-strings.ts';

test('keeps strings up to maxEntries and maxChars, no more', () => {
  const v = new ValidStrings(3, 5);
  v.add('a');
  v.add('a');
  v.add('toolong');
  v.add('b');
  v.add('c');
  v.add('d'); // full
  assert.equal(v.size, 3);
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'toolong'].map((s) => v.has(s)),
    [true, true, true, false, false],
  );
});

test('remembered names and values do not let bad ones through', () => {
  const invalid = (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT';
  for (let i = 0; i < 3; i++) {
    assert.equal(serializeFields({ 'x-good': 'v' }).lines, 'x-good: v\r\n');
    assert.throws(() => serializeFields({ 'x-good': 'v\r\n' }), invalid);
    assert.throws(() => serializeFields({ 'x good': 'v' }), invalid);
    assert.equal(serializeFields({ 'x-good': 'é€' }).lines, 'x-good: é€\r\n', 'not a ByteString: fine here');
    // LightResponse hands what Headers refuses (or cannot hold) to the native constructor.
    assert.equal(new LightResponse('x', { headers: { 'x-good': 'v' } }).headers.get('x-good'), 'v');
    assert.throws(() => new LightResponse('x', { headers: { 'x-good': 'é€' } }), TypeError);
    assert.throws(() => new LightResponse('x', { headers: { 'x good': 'v' } }), TypeError);
  }
  // Many distinct values: the sets stay bounded and every value is still judged.
  for (let i = 0; i < 3000; i++) assert.equal(serializeFields({ etag: `"${i}"` }).lines, `etag: "${i}"\r\n`);
  assert.throws(() => serializeFields({ etag: '"1"\n' }), invalid);
});
