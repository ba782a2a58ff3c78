// Trace export: NBIO_TRACE makes a program's loop write a Chrome trace file; the file of an echo
// server under load follows the format's rules (phases, durations, timestamps that never go
// back, slices that nest), and carries what the viewer should show: iterations with callbacks
// nested inside, kernel waits on their own track, readiness instants, counters, gauges.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { EventLoop } from '../loop/event-loop.ts';
import { closeTraceFile, traceToFile } from '../loop/recorder-trace.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { echoUnderLoad } from './test-support.ts';
import { validateTrace } from './trace-validate.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'nbio-trace-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ev {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tid: number;
  args?: Record<string, unknown>;
}

function checkEchoTrace(events: Ev[]): void {
  const check = validateTrace(events);
  assert.deepEqual(check.problems, [], 'the file follows the trace-event rules');
  assert.ok(check.maxDepth >= 2, 'callbacks nest inside iterations');
  const iterations = events.filter((e) => e.ph === 'X' && e.name.startsWith('iteration '));
  assert.ok(iterations.length >= 20, `${iterations.length} iterations`);
  const loopTid = iterations[0]!.tid;
  assert.ok(
    events.some(
      (e) =>
        e.ph === 'X' &&
        e.tid === loopTid &&
        /^reader #onReadable — transport 127\.0\.0\.1:\d+→:\d+$/.test(e.name),
    ),
    'a transport reader callback named by its connection',
  );
  assert.ok(
    events.some((e) => e.ph === 'X' && e.tid === loopTid + 1),
    'kernel waits on their own track',
  );
  assert.ok(
    events.some((e) => e.ph === 'i' && /^fd \d+ r — listener :\d+$/.test(e.name)),
    'the listener became readable',
  );
  assert.ok(
    events.some((e) => e.ph === 'C' && e.name === 'loop'),
    'loop counters',
  );
  assert.ok(
    events.some((e) => e.ph === 'C' && e.name.startsWith('open connections listener :')),
    'connection gauge',
  );
  assert.ok(
    events.some((e) => e.ph === 'C' && e.name.startsWith('bytes buffered listener :')),
    'buffer gauge',
  );
  assert.ok(
    events.some((e) => e.ph === 'M' && e.name === 'thread_name'),
    'named tracks',
  );
}

test('NBIO_TRACE: an echo server under load writes a valid trace (child process, default backend)', async () => {
  const out = join(dir, 'env.json');
  const root = resolve(import.meta.dirname, '../..');
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/trace/test-support.ts'), 'epoll', '8', '30'],
    { env: { ...process.env, NBIO_TRACE: out }, timeout: 30_000 },
  );
  assert.match(stdout, /round trips: 240/);
  checkEchoTrace(JSON.parse(readFileSync(out, 'utf8')) as Ev[]);
});

for (const backend of ['select', 'poll'] as const) {
  test(`traceToFile on ${backend} (owner mode): a valid trace of an echo server under load`, async () => {
    const fdsBefore = fdSnapshot();
    const out = join(dir, `${backend}.json`);
    const loop = new EventLoop({ selector: backend });
    traceToFile(loop, out);
    assert.equal(await runFor(loop, () => echoUnderLoad(loop, 6, 20)), 120);
    loop.close();
    assert.equal(fdsOpenedSince(fdsBefore).length, 1, 'only the trace file stays open until exit');
    assert.equal(closeTraceFile(out), true); // what the exit hook does
    checkEchoTrace(JSON.parse(readFileSync(out, 'utf8')) as Ev[]);
    assert.deepEqual(fdsOpenedSince(fdsBefore), []);
  });
}

test('the validator catches broken traces', () => {
  const bad = [
    { name: 'a', ph: 'X', ts: 10, dur: 10, pid: 1, tid: 1 },
    { name: 'b', ph: 'X', ts: 15, dur: 10, pid: 1, tid: 1 }, // overlaps without nesting
    { name: 'c', ph: 'i', ts: 5, pid: 1, tid: 1 }, // goes back
    { name: 'd', ph: 'Q', ts: 30, pid: 1, tid: 1 },
    { name: 'e', ph: 'E', ts: 40, pid: 1, tid: 2 },
  ];
  const { problems } = validateTrace(bad);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.deepEqual(validateTrace({ traceEvents: [] }).problems, []);
  assert.match(validateTrace({}).problems[0] ?? '', /not a JSON array/);
});
