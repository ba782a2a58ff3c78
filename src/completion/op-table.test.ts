// OpTable: ids of ended operations never match again, even when their slot and object are
// reused; a released operation is reused once (no double free); size counts live operations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind, OpTable, SLOT_SPACE } from './op-table.ts';

test('an ended operation’s id stops matching; its reused slot gets a new id', () => {
  const t = new OpTable();
  const a = t.add(Kind.Send, 7, false);
  const idA = a.id;
  assert.ok(idA > 0, 'ids are never 0 (0 is the user data of unwatched SQEs)');
  assert.equal(t.get(idA), a);
  assert.equal(t.size, 1);
  t.end(a);
  assert.equal(t.get(idA), undefined, 'a late completion of an ended op finds nothing');
  assert.equal(t.size, 0);
  const b = t.add(Kind.Recv, 8, false);
  assert.notEqual(b, a, 'not reused before release: its last callback may not have run');
  t.release(a);
  const c = t.add(Kind.Plain, 9, true);
  assert.equal(c, a, 'the object is reused after release');
  assert.equal(c.slot, a.slot);
  assert.notEqual(c.id, idA, 'with a new id');
  assert.equal(c.id % SLOT_SPACE, idA % SLOT_SPACE, 'in the same slot');
  assert.equal(t.get(idA), undefined, 'the old id still finds nothing');
  assert.equal(t.get(c.id), c);
  assert.equal(c.kind, Kind.Plain);
  assert.equal(c.fd, 9);
  assert.equal(c.immediate, true);
  assert.equal(c.cb, null, 'nothing of the previous operation is kept');
});

test('release twice frees the slot once; release of a live op ends it', () => {
  const t = new OpTable();
  const a = t.add(Kind.Plain, 1, false);
  t.release(a); // live: ended, then freed
  assert.equal(t.size, 0);
  t.release(a);
  const b = t.add(Kind.Plain, 2, false);
  const c = t.add(Kind.Plain, 3, false);
  assert.equal(b, a);
  assert.notEqual(c, a, 'the slot was on the free list once, not twice');
  assert.equal(t.size, 2);
  assert.equal(t.get(0), undefined);
});

test('lookup by the two 32-bit words of a CQE’s user data, also past 2^32', () => {
  const t = new OpTable();
  let op = t.add(Kind.Plain, 1, false);
  // Each add takes a new sequence number: after 4096 of them ids no longer fit in 32 bits.
  for (let i = 0; i < 5000; i++) {
    t.release(op);
    op = t.add(Kind.Recv, 1, false);
  }
  const id = op.id;
  assert.ok(id > 2 ** 32);
  const lo = id % 2 ** 32;
  const hi = Math.floor(id / 2 ** 32);
  assert.equal(t.lookup(lo, hi), op);
  assert.equal(t.lookup(lo, hi + 1), undefined, 'another high word is another operation');
  assert.equal(t.lookup(lo + 1, hi), undefined, 'another slot');
  assert.equal(t.lookup(0, 0), undefined, 'user data 0: unwatched');
  t.end(op);
  assert.equal(t.lookup(lo, hi), undefined, 'ended: a late completion finds nothing');
});
