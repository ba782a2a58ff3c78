import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyQueue } from './body-queue.ts';

function flow() {
  const events: string[] = [];
  return {
    events,
    onPause: () => events.push('pause'),
    onResume: () => events.push('resume'),
    onCancel: (r: unknown) => events.push(`cancel ${String(r)}`),
  };
}

test('pauses above the mark, resumes below a quarter of it, in order', async () => {
  const f = flow();
  const q = new BodyQueue(f, 100);
  q.push(Buffer.alloc(60));
  assert.deepEqual(f.events, []);
  q.push(Buffer.alloc(60));
  assert.deepEqual(f.events, ['pause']);
  assert.equal(q.bufferedBytes, 120);
  assert.equal((await q.next())?.length, 60);
  assert.deepEqual(f.events, ['pause'], '60 bytes still wait: more than a quarter');
  assert.equal((await q.next())?.length, 60);
  assert.deepEqual(f.events, ['pause', 'resume']);
  q.end();
  assert.equal(await q.next(), null);
});

test('a waiting reader gets the next chunk directly; the end; errors reject every later read', async () => {
  const q = new BodyQueue(flow());
  const waiting = q.next();
  await assert.rejects(q.next(), { code: 'NBIO_BUSY' });
  q.push(Buffer.from('a'));
  assert.equal((await waiting)?.toString(), 'a');
  const err = new Error('broken');
  q.fail(err);
  await assert.rejects(q.next(), err);
  await assert.rejects(q.next(), err);
});

test('an end in the read that filled the queue resumes reading (the connection moves on)', async () => {
  const f = flow();
  const q = new BodyQueue(f, 10);
  q.push(Buffer.alloc(20));
  q.end();
  assert.deepEqual(f.events, ['pause', 'resume']);
  assert.equal((await q.readAll()).length, 20);
});

test('cancel before the end tells the connection; after the end it does not', async () => {
  const f = flow();
  const q = new BodyQueue(f);
  q.push(Buffer.from('x'));
  q.cancel('bored');
  assert.deepEqual(f.events, ['cancel bored']);
  assert.equal(await q.next(), null);
  const g = flow();
  const done = new BodyQueue(g);
  done.end();
  done.cancel();
  assert.deepEqual(g.events, []);
});
