// The shape anchors of TimerHandle (handle.ts) and of the per-delay lists (timer-lists.ts): V8
// keeps a class's maps only while an object has them, so with every timer (or every list)
// collected, the next one got new maps and the optimized timer code was thrown away at its first
// call ("wrong map": B5's cancel-heavy and re-arm-heavy rounds ran unoptimized). Checked with
// V8's own optimization status (natives syntax). A file of its own: the status depends on the
// maps earlier tests in the same process left behind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { type LoopConfig, loopConfigs } from '../testing/loop-configs.ts';
import { EventLoop } from './event-loop.ts';
import { TimerHandle, type TimerOwner } from './handle.ts';
import { TimerHeap } from './timer-heap.ts';
import { TimerLists } from './timer-lists.ts';

setFlagsFromString('--allow-natives-syntax');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const prepare = new Function('f', '%PrepareFunctionForOptimization(f)') as (f: unknown) => void;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f)') as (f: unknown) => void;
const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number;
/** V8's OptimizationStatus bit for code optimized by TurboFan (src/runtime/runtime.h). */
const TURBOFANNED = 1 << 6;

/** Optimizes `f` on `round`'s feedback, collects what `round` left, and checks `f` still is. */
function staysOptimized(f: unknown, round: () => void): void {
  prepare(f);
  round();
  round();
  optimizeNext(f);
  round();
  assert.ok(status(f) & TURBOFANNED, `optimized before the GC (status ${status(f).toString(2)})`);
  // V8 retains an unreachable map through a few GCs (--retain-maps-for-n-gc): several.
  for (let i = 0; i < 4; i++) gc();
  round();
  assert.ok(status(f) & TURBOFANNED, `still optimized after it (status ${status(f).toString(2)})`);
}

describe('timer shapes survive a GC with no timer alive', () => {
  test('the anchors are never scheduled', () => {
    const anchor = TimerHandle.shapeAnchor;
    assert.ok(anchor instanceof TimerHandle);
    assert.equal(anchor.active, false);
    assert.equal(anchor.listNext, anchor, 'in no list');
  });

  test('TimerLists.unlink stays optimized when every list was collected', () => {
    // The heap lives on, as a loop's does; its lists and timers do not.
    const heap = new TimerHeap();
    let seq = 0;
    const owner: TimerOwner = { timerCancelled: (t) => heap.remove(t), timerRescheduled: () => {} };
    staysOptimized(TimerLists.prototype.unlink, () => {
      for (let i = 0; i < 3; i++) {
        const t = new TimerHandle(owner, 1000 + i, seq++, () => {}, []);
        heap.push(t, 1000 + i);
        t.cancel();
      }
      assert.equal(heap.peek(), undefined);
      assert.equal(heap.lists, 0, 'the emptied lists are dropped');
    });
  });

  /** A loop with a few timers, all cancelled, then closed: no TimerHandle outlives it. */
  const loopRound = (cfg: LoopConfig) => (): void => {
    const loop = new EventLoop({ selector: cfg.backend, mode: cfg.mode });
    for (let i = 0; i < 3; i++) loop.callLater(1000 + i, () => {}).cancel();
    loop.close();
  };

  for (const cfg of loopConfigs()) {
    test(`${cfg.backend}/${cfg.mode}: TimerHandle.cancel stays optimized when every timer was collected`, () => {
      const before = fdSnapshot();
      staysOptimized(TimerHandle.prototype.cancel, loopRound(cfg));
      assert.deepEqual(fdsOpenedSince(before), []);
    });
  }
});
