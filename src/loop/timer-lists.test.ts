// TimerHeap's per-delay lists (src/loop/timer-lists.ts) against a sorted reference: timers set
// with a delay from a loop time that only moves forward, mixed with `callAt`-style deadlines (the
// heap), lazy re-arms (sliding timeouts), cancels, compaction and lists that empty and return —
// with seeded random inputs so failures reproduce.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../testing/seeded-random.ts';
import { TimerHandle, type TimerOwner } from './handle.ts';
import { TimerHeap } from './timer-heap.ts';

/** An owner that behaves as the EventLoop: a loop time `base`, a fresh sequence per (re)schedule. */
interface Owner extends TimerOwner {
  base: number;
  seq: number;
}

function ownerOf(heap: TimerHeap): Owner {
  const owner: Owner = {
    base: 0,
    seq: 0,
    timerCancelled: (t) => heap.remove(t),
    timerRescheduled: (t, delayMs) => {
      const previousWhen = t.when;
      t.when = owner.base + delayMs;
      t.sequence = owner.seq++;
      heap.update(t, t.when < previousWhen, delayMs);
    },
  };
  return owner;
}

/** `callLater(delayMs)`: due at the owner's time plus `delayMs`, in that delay's list. */
function later(heap: TimerHeap, owner: Owner, delayMs: number): TimerHandle {
  const t = new TimerHandle(owner, owner.base + delayMs, owner.seq++, () => {}, []);
  heap.push(t, delayMs);
  return t;
}

/** `callAt(when)`: a deadline given as such, in the heap. */
function at(heap: TimerHeap, owner: Owner, when: number): TimerHandle {
  const t = new TimerHandle(owner, when, owner.seq++, () => {}, []);
  heap.push(t);
  return t;
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

describe('TimerHeap per-delay lists', () => {
  test('timers of a few delays and callAt deadlines pop in (when, sequence) order', () => {
    const rand = seededRandom(11);
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const all: TimerHandle[] = [];
    for (let i = 0; i < 5000; i++) {
      if (rand() < 0.3) owner.base += Math.floor(rand() * 3); // ties are common
      all.push(
        rand() < 0.2 ? at(heap, owner, Math.floor(rand() * 200)) : later(heap, owner, [5, 10, 30][i % 3]!),
      );
    }
    assert.equal(heap.lists, 3, 'one list per delay');
    assert.equal(heap.size, 5000);
    assert.equal(heap.peek(), [...all].sort(byKey)[0]);
    assert.deepEqual(drain(heap), all.sort(byKey));
    assert.equal(heap.lists, 0, 'emptied lists are dropped');
    assert.equal(heap.entries, 0);
  });

  test('popDue takes only what is due, in order, across lists and the heap', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const a = later(heap, owner, 10); // 10
    const b = at(heap, owner, 10); // 10, after a
    owner.base = 1;
    const c = later(heap, owner, 5); // 6
    const d = later(heap, owner, 9); // 10, after b
    assert.equal(heap.popDue(5.9), undefined);
    assert.equal(heap.popDue(6), c);
    assert.equal(heap.popDue(9), undefined);
    assert.deepEqual(
      [heap.popDue(10), heap.popDue(10), heap.popDue(10), heap.popDue(10)],
      [a, b, d, undefined],
    );
  });

  test('a timer that would not sort after its list tail (time set back) goes to the heap, order kept', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    owner.base = 100;
    const a = later(heap, owner, 10); // 110
    owner.base = 50; // an injected clock going backwards: the list must not take it
    const b = later(heap, owner, 10); // 60
    assert.equal(heap.lists, 1);
    assert.equal(heap.entries, 2);
    assert.deepEqual(drain(heap), [b, a]);
  });

  test('a sliding timeout re-armed later adds no entry; at the list head it is appended again', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = Array.from({ length: 100 }, () => later(heap, owner, 30));
    for (let step = 1; step <= 50; step++) {
      owner.base = step;
      for (let i = 0; i < 100; i += 2) ts[i]!.reschedule(30); // the even ones stay busy
    }
    assert.equal(heap.entries, 100, 'a later re-arm leaves the entry where it is');
    assert.equal(heap.size, 100);
    owner.base = 60;
    // The odd ones fall due at 30, in order; the even ones, re-armed at 50, at 80.
    const due: TimerHandle[] = [];
    for (let t = heap.popDue(owner.base); t !== undefined; t = heap.popDue(owner.base)) due.push(t);
    assert.deepEqual(
      due,
      ts.filter((_, i) => i % 2 === 1),
    );
    assert.equal(heap.entries, 50);
    assert.equal(heap.lists, 1, 'the re-armed ones went back to the tail of their list');
    assert.deepEqual(
      drain(heap),
      ts.filter((_, i) => i % 2 === 0),
    );
  });

  test('a re-armed entry that does not sort at its list tail moves to the heap, order kept', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const a = later(heap, owner, 10); // 10
    owner.base = 5;
    a.reschedule(10); // 15, lazily: its entry stays keyed 10
    owner.base = 8;
    const b = later(heap, owner, 10); // 18: the list's tail is now later than a's 15
    const c = at(heap, owner, 16);
    assert.deepEqual(drain(heap), [a, c, b]);
  });

  test('a timer re-armed with a longer delay leaves its list at the head, so the list keeps taking its own delay', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const long = later(heap, owner, 10); // 10
    owner.base = 1;
    long.reschedule(1000); // 1001, lazily: its entry in the 10 ms list stays keyed 10
    owner.base = 20;
    assert.equal(heap.popDue(owner.base), undefined, 'nothing due: the entry was re-armed');
    assert.ok(long.heapSeq >= 0, 'due after any 10 ms timer set from now on: moved to the heap');
    const next = later(heap, owner, 10); // 30
    assert.ok(next.heapSeq <= -2, 'the 10 ms list still takes a 10 ms timer');
    assert.deepEqual(drain(heap), [next, long]);
  });

  test('cancel and re-arm earlier leave dead entries that are dropped at the head and bounded by compaction', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = Array.from({ length: 4000 }, (_, i) => later(heap, owner, 100 + (i % 7)));
    for (let i = 0; i < 3000; i++) ts[i]!.cancel();
    assert.equal(heap.size, 1000);
    assert.ok(
      heap.entries <= 4 * heap.size + 256,
      `compacted: ${heap.entries} entries for ${heap.size} live`,
    );
    heap.tidy(); // lists drop dead entries at the head in O(1): tidy() rebuilds only the heap
    owner.base = 1;
    for (let i = 3000; i < 3500; i++) ts[i]!.reschedule(50); // earlier: new entries in the 50 list
    assert.equal(heap.size, 1000);
    assert.equal(heap.lists, 8);
    assert.deepEqual(drain(heap), ts.slice(3000).sort(byKey));
    assert.equal(heap.entries, 0);
    assert.equal(heap.lists, 0);
  });

  test('cancel unlinks at once: no dead entry stays, and the cancelled handle keeps no link into its list', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = Array.from({ length: 1000 }, (_, i) => later(heap, owner, 10 + (i % 3)));
    for (let i = 0; i < 1000; i += 2) ts[i]!.cancel();
    assert.equal(heap.size, 500);
    assert.equal(heap.entries, 500, 'a list holds only live timers');
    const gone = ts[0]!;
    assert.equal(gone.listPrev, gone, 'unlinked: it refers to itself, not to its old neighbours');
    assert.equal(gone.listNext, gone);
    assert.deepEqual(drain(heap), ts.filter((_, i) => i % 2 === 1).sort(byKey));
  });

  test("cancelling a list's first timer leaves its queue key behind; the next timer still sorts right against other lists and the heap", () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const a1 = later(heap, owner, 10); // 10: the 10 ms list is keyed 10
    const b1 = later(heap, owner, 12); // 12
    owner.base = 3;
    const a2 = later(heap, owner, 10); // 13
    const c = at(heap, owner, 12.5);
    a1.cancel(); // the 10 ms list's key stays 10, its first timer is now a2 at 13
    assert.equal(heap.peek(), b1, 'the stale key is fixed when the list reaches the top');
    owner.base = 20;
    assert.deepEqual(
      [heap.popDue(owner.base), heap.popDue(owner.base), heap.popDue(owner.base), heap.popDue(owner.base)],
      [b1, c, a2, undefined],
    );
  });

  test('an emptied list stays queued until it reaches the top, and takes new timers of its delay', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const a = later(heap, owner, 50); // 50
    const x = later(heap, owner, 5); // 5
    a.cancel();
    assert.equal(heap.lists, 2, 'the empty 50 ms list is dropped lazily');
    owner.base = 1;
    const b = later(heap, owner, 50); // 51, into the same list
    assert.equal(heap.lists, 2);
    assert.ok(b.heapSeq <= -2, 'listed');
    assert.deepEqual(drain(heap), [x, b]);
    assert.equal(heap.lists, 0);
  });

  test('an emptied, still queued list refuses a timer due before its last one (a clock set back): it goes to the heap', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    owner.base = 100;
    const a = later(heap, owner, 10); // 110: the list is keyed 110
    a.cancel();
    owner.base = 50; // an injected clock set back
    const b = later(heap, owner, 10); // 60: would sort before the list's key, so the heap takes it
    assert.ok(b.heapSeq >= 0, 'in the heap');
    const c = at(heap, owner, 70);
    assert.equal(heap.peek(), b);
    assert.deepEqual(drain(heap), [b, c]);
  });

  test('past 4096 delays, further timers go to the heap; order holds', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const all = Array.from({ length: 5000 }, (_, i) => later(heap, owner, 5000 - i));
    assert.equal(heap.lists, 4096);
    assert.deepEqual(drain(heap), all.sort(byKey));
  });

  test('clear() returns the live timers of lists and heap and leaves both usable', () => {
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const ts = [later(heap, owner, 5), at(heap, owner, 3), later(heap, owner, 5), later(heap, owner, 9)];
    ts[2]!.cancel();
    const cleared = heap.clear();
    assert.equal(cleared.length, 3);
    assert.ok(ts.every((t) => !t.active));
    assert.equal(heap.entries, 0);
    assert.equal(heap.lists, 0);
    const again = later(heap, owner, 5);
    assert.equal(heap.pop(), again);
  });

  test('random mix of schedules, cancels, re-arms and due pops stays equal to the reference', () => {
    const rand = seededRandom(12);
    const heap = new TimerHeap();
    const owner = ownerOf(heap);
    const delays = [0, 1, 5, 10, 10.5, 100];
    let model: TimerHandle[] = [];
    for (let step = 0; step < 30_000; step++) {
      const r = rand();
      if (r < 0.05) owner.base += Math.floor(rand() * 4);
      else if (r < 0.4 || model.length === 0) {
        const t =
          rand() < 0.15
            ? at(heap, owner, owner.base + Math.floor(rand() * 120))
            : later(heap, owner, delays[Math.floor(rand() * delays.length)]!);
        model.push(t);
      } else if (r < 0.55) {
        model.sort(byKey);
        const expected: TimerHandle[] = [];
        while (model.length > 0 && model[0]!.when <= owner.base) expected.push(model.shift()!);
        const got: TimerHandle[] = [];
        for (let t = heap.popDue(owner.base); t !== undefined; t = heap.popDue(owner.base)) got.push(t);
        assert.deepEqual(got, expected);
      } else if (r < 0.7) {
        const t = model[Math.floor(rand() * model.length)]!; // model is not empty here
        t.cancel();
        model = model.filter((m) => m !== t);
      } else {
        const t = model[Math.floor(rand() * model.length)]!;
        t.reschedule(delays[Math.floor(rand() * delays.length)]!);
      }
      if (r >= 0.05 && r < 0.4) heap.tidy();
      assert.equal(heap.size, model.length);
      if (step % 89 === 0 && model.length > 0) assert.equal(heap.peek(), [...model].sort(byKey)[0]);
    }
    assert.deepEqual(drain(heap), model.sort(byKey));
  });
});
