// The timer heap against a sorted-array reference: order by (when, sequence), removal from
// anywhere, re-keying up and down, lazy cancel and re-arm, compaction, and clear — with seeded
// random inputs so failures reproduce.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../testing/seeded-random.ts';
import { TimerHandle, type TimerOwner } from './handle.ts';
import { TimerHeap } from './timer-heap.ts';

/** Owner whose cancel/reschedule go to `heap`, as the EventLoop's do. */
function ownerOf(heap: TimerHeap): TimerOwner & { seq: number } {
  const owner = {
    seq: 0,
    timerCancelled: (t: TimerHandle) => heap.remove(t),
    // Its loop time is always 0: a re-arm with `delayMs` is due at `delayMs`.
    timerRescheduled: (t: TimerHandle, delayMs: number) => {
      const previousWhen = t.when;
      t.when = delayMs;
      t.sequence = owner.seq++;
      heap.update(t, t.when < previousWhen);
    },
  };
  return owner;
}

/** Moves `t` to `when` as the loop does: a fresh sequence, then `update` with the old deadline. */
function rekey(heap: TimerHeap, owner: { seq: number }, t: TimerHandle, when: number): void {
  const previousWhen = t.when;
  t.when = when;
  t.sequence = owner.seq++;
  heap.update(t, t.when < previousWhen);
}

function timer(owner: TimerOwner & { seq: number }, when: number, label = ''): TimerHandle {
  return new TimerHandle(owner, when, owner.seq++, () => {}, [label]);
}

const byKey = (a: TimerHandle, b: TimerHandle): number => a.when - b.when || a.sequence - b.sequence;

function drain(heap: TimerHeap): TimerHandle[] {
  const out: TimerHandle[] = [];
  for (let t = heap.pop(); t !== undefined; t = heap.pop()) {
    assert.equal(t.heapSeq, -1, 'a popped timer is marked out of the heap');
    out.push(t);
  }
  return out;
}

describe('TimerHeap', () => {
  test('empty heap: peek and pop give undefined', () => {
    const heap = new TimerHeap();
    assert.equal(heap.size, 0);
    assert.equal(heap.peek(), undefined);
    assert.equal(heap.pop(), undefined);
  });

  test('many random timers pop in (when, sequence) order; equal deadlines in insertion order', () => {
    const rand = seededRandom(1);
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const all: TimerHandle[] = [];
    for (let i = 0; i < 3000; i++) {
      // Few distinct deadlines, so ties are common; fractional ones too.
      const when = rand() < 0.1 ? rand() * 50 : Math.floor(rand() * 50);
      const t = timer(owner, when);
      all.push(t);
      heap.push(t);
      assert.ok(t.active);
    }
    assert.equal(heap.size, 3000);
    const reference = [...all].sort(byKey);
    assert.equal(heap.peek(), reference[0]);
    assert.deepEqual(drain(heap), reference);
    assert.equal(heap.size, 0);
  });

  test('remove from the middle keeps the order of the rest; removing twice is a no-op', () => {
    const rand = seededRandom(2);
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const all = Array.from({ length: 1000 }, () => timer(owner, Math.floor(rand() * 200)));
    for (const t of all) heap.push(t);
    const removed = new Set<TimerHandle>();
    for (const t of all) {
      if (rand() < 0.4) {
        heap.remove(t);
        removed.add(t);
        assert.equal(t.heapSeq, -1);
        heap.remove(t);
      }
    }
    assert.equal(heap.size, all.length - removed.size);
    assert.deepEqual(drain(heap), all.filter((t) => !removed.has(t)).sort(byKey));
  });

  test('cancel() through the owner removes the timer; the heap root moves on', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const [a, b, c] = [timer(owner, 1), timer(owner, 2), timer(owner, 3)];
    for (const t of [c, a, b]) heap.push(t);
    a.cancel();
    assert.ok(a.cancelled && !a.active);
    assert.equal(heap.peek(), b);
    assert.deepEqual(drain(heap), [b, c]);
  });

  test('update after a deadline moves earlier (sift up) or later (sift down)', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = Array.from({ length: 64 }, (_, i) => timer(owner, i * 10, `t${i}`));
    for (const t of ts) heap.push(t);
    const late = ts[50]!; // ts has 64 timers
    rekey(heap, owner, late, -5); // now the earliest
    assert.equal(heap.peek(), late);
    const first = ts[0]!;
    rekey(heap, owner, first, 10_000); // now the latest
    assert.equal(heap.size, 64, 'a re-keyed timer is counted once');
    assert.equal(heap.peek(), late);
    const order = drain(heap);
    assert.equal(order[0], late);
    assert.equal(order[order.length - 1], first);
    assert.deepEqual(order, [...ts].sort(byKey));
  });

  test('reschedule() takes a new sequence, so it goes after timers already due at that time', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const a = timer(owner, 5, 'a');
    const b = timer(owner, 5, 'b');
    heap.push(a);
    heap.push(b);
    a.reschedule(5); // the owner's time is 0: when stays 5, sequence becomes the newest
    assert.deepEqual(drain(heap), [b, a]);
  });

  test('update of a timer not in the heap inserts it (a fired timer re-armed)', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const a = timer(owner, 1);
    heap.push(a);
    assert.equal(heap.pop(), a);
    rekey(heap, owner, a, 7);
    assert.equal(heap.size, 1);
    assert.ok(a.active);
    assert.equal(heap.pop(), a);
  });

  test('cancel is lazy: size counts live timers, peek skips the dead, dead entries are compacted', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = Array.from({ length: 2000 }, (_, i) => timer(owner, i));
    for (const t of ts) heap.push(t);
    ts[0]!.cancel(); // the root: peek drops its entry
    assert.equal(heap.size, 1999);
    assert.equal(heap.peek(), ts[1]);
    for (let i = 1; i < 1500; i++) ts[i]!.cancel();
    assert.equal(heap.size, 500);
    // A cancel compacts once the dead outnumber the live 3 to 1 (memory stays bounded) …
    assert.ok(
      heap.entries <= 4 * heap.size + 256,
      `compacted: ${heap.entries} entries for ${heap.size} live`,
    );
    for (let i = 1500; i < 1900; i++) ts[i]!.cancel();
    assert.ok(
      heap.entries <= 4 * heap.size + 256,
      `compacted: ${heap.entries} entries for ${heap.size} live`,
    );
    for (let i = 1500; i < 1900; i++) ts[i]!.reschedule(3000 + i); // the owner's time is 0: due at 3000 + i
    // … and tidy(), once per loop iteration, as soon as they outnumber the live.
    for (let i = 1900; i < 2000; i++) ts[i]!.cancel();
    for (let i = 1500; i < 1700; i++) ts[i]!.cancel();
    heap.tidy();
    assert.equal(heap.size, 200);
    assert.equal(heap.entries, heap.size, 'tidy() left only live entries');
    assert.deepEqual(drain(heap), ts.slice(1700, 1900));
    assert.equal(heap.entries, 0);
  });

  test('a re-arm to a later deadline keeps its entry until it reaches the top, then re-keys it', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const [a, b, c] = [timer(owner, 1, 'a'), timer(owner, 2, 'b'), timer(owner, 3, 'c')];
    for (const t of [a, b, c]) heap.push(t);
    rekey(heap, owner, a, 10);
    rekey(heap, owner, a, 20);
    assert.equal(heap.entries, 3, 'no entry added for a later deadline');
    assert.equal(heap.size, 3);
    assert.equal(heap.peek(), b, 'the stale key of a is not reported');
    assert.deepEqual(drain(heap), [b, c, a]);
    assert.equal(a.when, 20);
  });

  test('a cancelled timer re-armed, and a timer moved earlier, are each counted and fired once', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const [a, b, c] = [timer(owner, 5, 'a'), timer(owner, 6, 'b'), timer(owner, 7, 'c')];
    for (const t of [a, b, c]) heap.push(t);
    a.cancel();
    a.reschedule(8); // the owner's time is 0: due at 8
    rekey(heap, owner, c, 1);
    assert.equal(heap.size, 3);
    assert.deepEqual(drain(heap), [c, b, a]);
    assert.equal(heap.size, 0);
    assert.equal(heap.entries, 0, 'the dead entries went with the drain');
  });

  test('clear() empties the heap, marks every timer out of it, and the heap stays usable', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = Array.from({ length: 10 }, (_, i) => timer(owner, 10 - i));
    for (const t of ts) heap.push(t);
    const cleared = heap.clear();
    assert.equal(cleared.length, 10);
    assert.equal(heap.size, 0);
    assert.ok(ts.every((t) => t.heapSeq === -1 && !t.active));
    const fourth = ts[3]!; // ts has 10 timers
    heap.remove(fourth); // no-op, no throw
    heap.push(fourth);
    assert.equal(heap.pop(), fourth);
  });

  test('random mix of push, pop, remove and update stays equal to the reference', () => {
    const rand = seededRandom(3);
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    let model: TimerHandle[] = [];
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      if (r < 0.4 || model.length === 0) {
        const t = timer(owner, Math.floor(rand() * 1000));
        heap.push(t);
        model.push(t);
      } else if (r < 0.6) {
        model.sort(byKey);
        assert.equal(heap.pop(), model.shift());
      } else if (r < 0.8) {
        const t = model[Math.floor(rand() * model.length)]!; // model is not empty here
        heap.remove(t);
        model = model.filter((m) => m !== t);
      } else {
        const t = model[Math.floor(rand() * model.length)]!;
        rekey(heap, owner, t, Math.floor(rand() * 1000));
      }
      assert.equal(heap.size, model.length);
      if (step % 97 === 0 && model.length > 0) assert.equal(heap.peek(), [...model].sort(byKey)[0]);
    }
    assert.deepEqual(drain(heap), model.sort(byKey));
  });
});
