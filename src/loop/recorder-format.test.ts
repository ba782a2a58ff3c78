// The recorder's table keeps its columns apart when a cell is wider than its column (an
// iteration with 50 events once printed "+4650 in 0.5 ms": 46 more events, 50 callbacks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRecords } from './recorder-format.ts';
import type { IterationRecord } from './recorder-types.ts';

test('a cell wider than its column is still followed by a space', () => {
  const events = Array.from({ length: 50 }, (_, i) => ({ fd: 100 + i, ready: 1, label: `t${i}` }));
  const callbacks = events.map((e) => ({
    kind: 'reader' as const,
    name: '#onReadable',
    label: e.label,
    fd: e.fd,
    startMs: 0,
    durationMs: 0.01,
  }));
  const record: IterationRecord = {
    iteration: 7,
    startMs: 0,
    timeoutMs: 0,
    timeoutReason: 'guest',
    blockedMs: 0,
    wokeBy: ['io', 'uv-poll'],
    events,
    callbacks,
    timersFired: 0,
    interest: [],
    syscalls: [{ kind: 'recv', calls: 50, bytes: 3200 }],
    durationMs: 0.5,
    counters: { ready: 0, timersPending: 0, readers: 50, writers: 0, gauges: {} },
    stalls: [],
  };
  const row = formatRecords([record]).split('\n')[1] ?? '';
  assert.match(row, /100:r 101:r 102:r 103:r \+46 +50 in 0\.500 ms/);
});
