// The ready queue's batch semantics: a batch is exactly what was queued when it was taken;
// handles queued while it runs wait for the next batch (asyncio's `ntodo` rule), in FIFO order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Handle } from './handle.ts';
import { ReadyQueue } from './ready-queue.ts';

const handle = (label: string, log: string[] = []): Handle => new Handle((x: string) => log.push(x), [label]);

test('FIFO: a batch holds the handles in the order they were pushed', () => {
  const q = new ReadyQueue();
  const hs = Array.from({ length: 100 }, (_, i) => handle(`h${i}`));
  for (const h of hs) q.push(h);
  assert.equal(q.length, 100);
  const batch = q.takeBatch();
  assert.deepEqual(batch, hs);
  assert.equal(q.length, 0, 'taking the batch empties the queue');
});

test('handles pushed while a batch runs go to the next batch', () => {
  const q = new ReadyQueue();
  const log: string[] = [];
  q.push(
    new Handle(() => {
      log.push('a');
      q.push(handle('c', log)); // scheduled by a callback of this batch
    }, []),
  );
  q.push(handle('b', log));
  const first = q.takeBatch();
  for (const h of first) h.run();
  assert.deepEqual(log, ['a', 'b'], 'c did not run in the batch that scheduled it');
  assert.equal(q.length, 1);
  const second = q.takeBatch();
  assert.equal(second.length, 1);
  second[0]?.run();
  assert.deepEqual(log, ['a', 'b', 'c']);
});

test('a callback that keeps rescheduling itself runs once per batch (no starvation)', () => {
  const q = new ReadyQueue();
  let runs = 0;
  const again = (): void => {
    runs++;
    q.push(new Handle(again, []));
  };
  q.push(new Handle(again, []));
  for (let i = 0; i < 5; i++) for (const h of q.takeBatch()) h.run();
  assert.equal(runs, 5);
  assert.equal(q.length, 1);
});

test("the returned array is the caller's until the next takeBatch(): the two arrays alternate", () => {
  const q = new ReadyQueue();
  const a = handle('a');
  const b = handle('b');
  q.push(a);
  const first = q.takeBatch();
  q.push(b);
  assert.deepEqual(first, [a], 'pushing after takeBatch() does not touch the taken batch');
  const second = q.takeBatch();
  assert.notEqual(second, first, 'a different array');
  assert.deepEqual(second, [b]);
  assert.equal(first.length, 0, 'the older array was recycled as the queue');
  q.push(a);
  assert.equal(q.takeBatch(), first, 'and comes back as the next batch');
});

test('an empty queue gives an empty batch', () => {
  const q = new ReadyQueue();
  assert.deepEqual(q.takeBatch(), []);
  assert.deepEqual(q.takeBatch(), []);
  assert.equal(q.length, 0);
});

test('clear() drops every waiting handle', () => {
  const q = new ReadyQueue();
  q.push(handle('a'));
  q.takeBatch();
  q.push(handle('b'));
  q.push(handle('c'));
  q.clear();
  assert.equal(q.length, 0);
  assert.deepEqual(q.takeBatch(), []);
});

test('cancelled handles stay in the batch (the loop skips them) and do not run', () => {
  const q = new ReadyQueue();
  const log: string[] = [];
  const a = handle('a', log);
  const b = handle('b', log);
  q.push(a);
  q.push(b);
  a.cancel();
  const batch = q.takeBatch();
  assert.equal(batch.length, 2);
  for (const h of batch) if (!h.cancelled) h.run();
  assert.deepEqual(log, ['b']);
});
