// The split-invariance property: every case of the request and response tables gives the same
// events when fed whole, split at every point, and in random pieces (1..7 and 1..64 bytes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REQUEST_CASES } from './request-cases.ts';
import { RESPONSE_CASES } from './response-cases.ts';
import { parsePieces, randomPieces, splitAt } from './test-support.ts';

const all = [
  ...REQUEST_CASES.map((c) => ({
    kind: 'request' as const,
    input: c.input,
    name: c.name,
    limits: c.limits ?? {},
    eof: false,
  })),
  ...RESPONSE_CASES.map((c) => ({
    kind: 'response' as const,
    input: c.input,
    name: c.name,
    limits: {},
    eof: c.eof === true,
  })),
];

test(`every case, split at every point (${all.length} cases)`, () => {
  let runs = 0;
  for (const c of all) {
    const input = Buffer.from(c.input, 'latin1');
    const whole = parsePieces(c.kind, [input], c.limits, c.eof);
    for (let at = 0; at <= input.length; at++) {
      assert.deepEqual(
        parsePieces(c.kind, splitAt(input, at), c.limits, c.eof),
        whole,
        `${c.name}, split at ${at}`,
      );
      runs++;
    }
  }
  assert.ok(runs > 1000);
});

test('every case, in random pieces (seeded)', () => {
  for (const c of all) {
    const input = Buffer.from(c.input, 'latin1');
    const whole = parsePieces(c.kind, [input], c.limits, c.eof);
    for (let seed = 1; seed <= 20; seed++) {
      const max = seed % 2 === 0 ? 7 : 64;
      assert.deepEqual(
        parsePieces(c.kind, randomPieces(input, seed, max), c.limits, c.eof),
        whole,
        `${c.name}, seed ${seed}`,
      );
    }
    assert.deepEqual(
      parsePieces(
        c.kind,
        [...input].map((x) => Buffer.of(x)),
        c.limits,
        c.eof,
      ),
      whole,
      `${c.name}, one byte at a time`,
    );
  }
});
