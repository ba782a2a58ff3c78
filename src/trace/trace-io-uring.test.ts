// On io_uring the loop's I/O callbacks are completion callbacks (src/completion), run in step 5
// without a reader or writer: the flight recorder and the trace must still show each one, by
// what finished (recv, send, accept) and whose operation it was (the transport, the listener).
// Guest and owner mode; skipped, with the reason printed, where io_uring_setup fails.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EventLoop, type RunMode } from '../loop/event-loop.ts';
import { closeTraceFile, traceToFile } from '../loop/recorder-trace.ts';
import type { CallbackRecord } from '../loop/recorder-types.ts';
import { IoUring } from '../sys/io-uring.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import { echoUnderLoad } from './test-support.ts';
import { validateTrace } from './trace-validate.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# io_uring recorder tests skipped: ${a.reason}`);

const dir = mkdtempSync(join(tmpdir(), 'nbio-trace-uring-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TRANSPORT = /^transport 127\.0\.0\.1:\d+→:\d+$/;

for (const mode of ['guest', 'owner'] as RunMode[]) {
  test(
    `io_uring (${mode} mode): the recorder and the trace show the completion callbacks, named`,
    { skip },
    async () => {
      const fdsBefore = fdSnapshot();
      const out = join(dir, `${mode}.json`);
      const loop = new EventLoop({ selector: 'io_uring', mode });
      traceToFile(loop, out);
      const callbacks: CallbackRecord[] = [];
      loop.recorder.subscribe((r) => callbacks.push(...r.callbacks));
      assert.equal(await runFor(loop, () => echoUnderLoad(loop, 4, 10)), 40);
      loop.close();
      assert.equal(closeTraceFile(out), true);
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');

      const recv = callbacks.filter((c) => c.kind === 'recv');
      // each round trip: the server's receive and the client's
      assert.ok(recv.length >= 80, `${recv.length} receive callbacks`);
      for (const c of recv) {
        assert.equal(c.name, '#onRecv');
        assert.match(c.label, TRANSPORT);
        assert.ok(c.fd >= 0 && c.durationMs >= 0, `fd ${c.fd}, ${c.durationMs} ms`);
      }
      assert.ok(
        callbacks.some((c) => c.kind === 'send' && c.name === '#onSent' && TRANSPORT.test(c.label)),
        'a send completion, named by its transport',
      );
      assert.ok(
        callbacks.some((c) => c.kind === 'accept' && /^listener :\d+$/.test(c.label)),
        'an accept completion, named by its listener',
      );

      const events = JSON.parse(readFileSync(out, 'utf8')) as { name: string; ph: string; tid: number }[];
      assert.deepEqual(validateTrace(events).problems, [], 'the file follows the trace-event rules');
      const loopTid = events.find((e) => e.ph === 'X' && e.name.startsWith('iteration '))?.tid;
      assert.ok(
        events.some(
          (e) =>
            e.ph === 'X' &&
            e.tid === loopTid &&
            /^recv #onRecv — transport 127\.0\.0\.1:\d+→:\d+$/.test(e.name),
        ),
        'receive callbacks are slices inside the iterations',
      );
      assert.ok(validateTrace(events).maxDepth >= 2, 'callbacks nest inside iterations');
    },
  );
}
