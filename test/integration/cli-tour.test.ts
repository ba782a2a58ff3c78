// `nbio tour` (what `npm start` runs), at its smallest (2 clients that type at once): it serves
// every client with every approach, and explains each term (backlog, file descriptor,
// O_NONBLOCK, guest mode) in the line where it first appears.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tour } from '../../src/cli/tour/tour.ts';
import { IoUring } from '../../src/sys/io-uring.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';

test('the tour serves every client and explains each term where it first appears', async () => {
  const fds = fdSnapshot();
  const lines: string[] = [];
  const rows = await tour({ clients: 2, slowMs: 0, print: (l) => lines.push(l) });
  assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
  assert.ok(rows.length >= 4, 'blocking, threads, select and poll at least');
  for (const r of rows) assert.equal(r.served, 2, `${r.approach} served both clients`);
  const text = lines.join('\n');
  const first = (re: RegExp) => text.search(re);
  const explained: [RegExp, RegExp][] = [
    [/\bbacklog\b/, /backlog \(the queue of connections the kernel has completed/],
    [/\bfile descriptors?\b|\bfds?\b/, /file descriptor \(fd: the small integer/],
    [/O_NONBLOCK/, /O_NONBLOCK \(a\s+flag that makes accept\(\) and recv\(\) return EAGAIN/],
  ];
  if (/guest mode/.test(text)) {
    explained.push([/guest mode/, /guest mode: nbio's loop runs inside Node's own event loop/]);
  }
  // The asynchronous step: submissions and completions printed, io_uring_enter the only call.
  if (IoUring.availability().available) {
    const row = rows.find((r) => r.approach === 'asynchronous, io_uring');
    assert.ok(row, 'the io_uring step ran');
    assert.match(text, /submitted ACCEPT on fd \d+ \(multishot/);
    assert.match(text, /completed RECV fd \d+: \d+ bytes, already in a ring buffer/);
    assert.match(text, /system calls per request, against [\d.]+ on epoll/);
    assert.ok(row.syscallsPerRequest > 0);
  } else assert.match(text, /Skipped: io_uring_setup failed here/);
  for (const [term, explanation] of explained) {
    assert.ok(first(term) >= 0, `${term} appears`);
    assert.equal(first(explanation), first(term), `${term} is explained where it first appears`);
  }
});
