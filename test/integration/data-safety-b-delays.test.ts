// Issue 9, defect 5: every delay, deadline and timeout in every layer and style takes a finite
// number (≥ 0 for delays) and refuses anything else with NBIO_INVALID_ARGUMENT and a message
// that names what was given. `loop.callLater('1500', cb)` used to fire after ~3 ms because
// `now + '1500'` concatenated; `withTimeout(loop, '100', …)` never timed out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sleep, sleepUntil } from '../../src/async/sleep.ts';
import { moveOnAfter, withDeadline, withTimeout } from '../../src/async/with-timeout.ts';
import { Socket } from '../../src/compat/socket.ts';
import { HttpClient } from '../../src/http/client/http-client.ts';
import { serve } from '../../src/http/server/http-server.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { checkPort } from '../../src/net/address.ts';
import { createConnection } from '../../src/net/connect.ts';
import { createServer } from '../../src/net/listener.ts';
import { sleep as tornadoSleep } from '../../src/styles/tornado/coroutine.ts';
import { IOLoop } from '../../src/styles/tornado/io-loop.ts';
import { PeriodicCallback } from '../../src/styles/tornado/periodic-callback.ts';
import { TCPClient } from '../../src/styles/tornado/tcp-server.ts';
import { Deferred } from '../../src/styles/twisted/deferred.ts';
import { addTimeout, callLater, deferLater } from '../../src/styles/twisted/delayed-call.ts';
import { LoopingCall } from '../../src/styles/twisted/looping-call.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

/** Values no delay may take; the string is the case of the issue. */
const BAD_DELAYS: readonly unknown[] = [
  '1500',
  Number.NaN,
  -1,
  Number.POSITIVE_INFINITY,
  undefined,
  null,
  10n,
];
/** Values no absolute deadline may take (negative loop times are fine: they are in the past). */
const BAD_TIMES: readonly unknown[] = ['1500', Number.NaN, Number.POSITIVE_INFINITY, undefined, null];

/** What the message must quote for `v`. */
function shown(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

function refused(v: unknown): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, 'NBIO_INVALID_ARGUMENT', String(err));
    assert.ok(
      (err as Error).message.includes(shown(v)),
      `message names ${shown(v)}: ${(err as Error).message}`,
    );
    return true;
  };
}

/** `fn(v)` throws or rejects with NBIO_INVALID_ARGUMENT naming `v`, before doing anything. */
async function mustRefuse(
  what: string,
  values: readonly unknown[],
  fn: (v: never) => unknown,
): Promise<void> {
  for (const v of values) {
    let result: unknown;
    try {
      result = fn(v as never);
    } catch (err) {
      assert.ok(refused(v)(err), what);
      continue;
    }
    assert.ok(result instanceof Promise, `${what}(${shown(v)}) neither threw nor returned a promise`);
    await assert.rejects(result, refused(v), `${what}(${shown(v)})`);
  }
}

const noop = (): void => {};

for (const config of loopConfigs()) {
  describe(`delays are validated on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    let loop: EventLoop;
    before(() => {
      fds = fdSnapshot();
      loop = new EventLoop({ selector: config.backend, mode: config.mode });
    });
    after(() => {
      loop.close();
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
    });

    test('the loop: callLater, callAt, reschedule', async () => {
      await mustRefuse('callLater', BAD_DELAYS, (v) => loop.callLater(v, noop));
      await mustRefuse('callAt', BAD_TIMES, (v) => loop.callAt(v, noop));
      const t = loop.callLater(10, noop);
      await mustRefuse('reschedule', BAD_DELAYS, (v) => t.reschedule(v));
      t.cancel();
      assert.equal(loop.stats().timersPending, 0, 'no refused call left a timer behind');
    });

    test('async: sleep, sleepUntil, withTimeout, moveOnAfter, withDeadline', async () => {
      await mustRefuse('sleep', BAD_DELAYS, (v) => sleep(loop, v));
      await mustRefuse('sleepUntil', BAD_TIMES, (v) => sleepUntil(loop, v));
      await mustRefuse('withTimeout', BAD_DELAYS, (v) => withTimeout(loop, async () => 1, v));
      await mustRefuse('moveOnAfter', BAD_DELAYS, (v) => moveOnAfter(loop, v, async () => 1));
      await mustRefuse('withDeadline', BAD_TIMES, (v) => withDeadline(loop, async () => 1, v));
      assert.equal(loop.stats().timersPending, 0);
    });

    test('Twisted style: callLater, deferLater, DelayedCall.reset/delay, LoopingCall, addTimeout', async () => {
      await mustRefuse('callLater', BAD_DELAYS, (v) => callLater(loop, v, noop));
      await mustRefuse('deferLater', BAD_DELAYS, (v) => deferLater(loop, v));
      const call = callLater(loop, 5, noop);
      await mustRefuse('DelayedCall.reset', BAD_DELAYS, (v) => call.reset(v));
      await mustRefuse('DelayedCall.delay', BAD_TIMES, (v) => call.delay(v));
      call.cancel();
      await mustRefuse('LoopingCall.start', BAD_DELAYS, (v) => new LoopingCall(loop, noop).start(v));
      await mustRefuse('addTimeout', BAD_DELAYS, (v) => addTimeout(new Deferred(), loop, v));
      assert.equal(loop.stats().timersPending, 0);
    });

    test('Tornado style: call_later, call_at, PeriodicCallback, sleep, run_sync, connect timeout', async () => {
      const io = new IOLoop(loop);
      await mustRefuse('IOLoop.callLater', BAD_DELAYS, (v) => io.callLater(v, noop));
      await mustRefuse('IOLoop.callAt', BAD_TIMES, (v) => io.callAt(v, noop));
      await mustRefuse('IOLoop.addTimeout', BAD_TIMES, (v) => io.addTimeout(v, noop));
      await mustRefuse('PeriodicCallback', [...BAD_DELAYS, 0], (v) => new PeriodicCallback(loop, noop, v));
      await mustRefuse('tornado sleep', BAD_DELAYS, (v) => tornadoSleep(loop, v));
      let ran = 0;
      await mustRefuse(
        'runSync',
        BAD_DELAYS.filter((v) => v !== undefined),
        (v) => io.runSync(() => ran++, { timeoutSec: v }),
      );
      assert.equal(ran, 0, 'run_sync refused its timeout before running anything');
      await mustRefuse('TCPClient.connect', [...BAD_DELAYS.filter((v) => v !== undefined), 0], (v) =>
        new TCPClient(loop).connect('127.0.0.1', 24001, { timeoutSec: v }),
      );
      assert.equal(loop.stats().timersPending, 0);
    });

    test('net: connect timeoutMs, server lingerMs; a NaN port is reported as NaN, not null', async () => {
      await mustRefuse('createConnection timeoutMs', [...BAD_DELAYS.filter((v) => v !== undefined), 0], (v) =>
        createConnection(loop, () => ({}) as never, { host: '127.0.0.1', port: 24002, timeoutMs: v }, noop),
      );
      await mustRefuse(
        'createServer lingerMs',
        BAD_DELAYS.filter((v) => v !== undefined),
        (v) => createServer(loop, () => ({}) as never, { host: '127.0.0.1', port: 0, lingerMs: v }),
      );
      assert.throws(() => checkPort(Number.NaN), /Invalid port NaN/);
      assert.throws(() => checkPort('80'), /Invalid port '80'/);
    });

    test('http: server timeouts and client timeouts', async () => {
      const defined = BAD_DELAYS.filter((v) => v !== undefined);
      await mustRefuse('serve headersTimeoutMs', [...defined, 0], (v) =>
        serve(loop, () => new Response('x'), { host: '127.0.0.1', port: 0, headersTimeoutMs: v }),
      );
      await mustRefuse(
        'HttpClient connectTimeoutMs',
        defined,
        (v) => new HttpClient(loop, { connectTimeoutMs: v }),
      );
    });

    test('compat: socket.setTimeout', async () => {
      const socket = new Socket({ loop });
      try {
        // compat throws Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE (issue 12), with nbio's
        // InvalidArgumentError as the cause: that is what is checked here.
        await mustRefuse('socket.setTimeout', BAD_DELAYS, (v) => {
          try {
            return socket.setTimeout(v);
          } catch (err) {
            assert.match(String((err as { code?: unknown }).code), /^ERR_(INVALID_ARG_TYPE|OUT_OF_RANGE)$/);
            throw (err as Error).cause;
          }
        });
      } finally {
        socket.destroy();
      }
    });
  });
}
