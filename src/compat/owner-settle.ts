/**
 * `settleOwnerLoop`: one extra, non-blocking loop iteration after compat code hands control to
 * Node-world code on an owner-mode loop.
 *
 * ## Why
 * An owner-mode loop yields to Node once per iteration (`await setImmediate`, see
 * src/loop/event-loop.ts) and then blocks in its selector. That yield is queued right after the
 * iteration returns, *before* the microtasks the iteration's callbacks caused. Libraries that
 * react to socket events often continue with `setImmediate` from such a microtask (undici
 * writes the next request on a reused keep-alive socket from a `setImmediate`; Node's TLS
 * closes from one): their callback is queued behind the loop's own, the loop blocks in
 * `poll()`, and the callback waits until some unrelated nbio event or timer wakes the loop —
 * measured: a 5 s stall between two undici requests, ended by an idle timeout.
 *
 * ## What it does
 * When a compat socket delivers data or an event, or is written to, on an owner-mode loop, the
 * loop gets {@link SETTLE_TURNS} no-op callbacks in a row (`callSoon`, one per iteration, at
 * most one chain per loop). Those iterations poll with a zero timeout and each yields to Node
 * again, behind the library's callbacks, which so run before the loop next blocks. This is a
 * mitigation with a bound, not a guarantee: a chain of Node callbacks longer than the turns,
 * with no socket activity in between, still waits for the next nbio event or timer. An idle
 * loop still sleeps in the kernel: the turns are granted only in answer to activity. Guest
 * loops need none of this (libuv itself waits).
 *
 * @module
 */
import type { EventLoop } from '../loop/event-loop.ts';

/**
 * Non-blocking iterations granted after each activity: each one lets one more link of a chain
 * of `setImmediate` callbacks run before the loop may block (undici's keep-alive reuse is two
 * links deep: the response body's end, then the next request's write). 4 leaves a margin.
 */
export const SETTLE_TURNS = 4;

const remaining = new WeakMap<EventLoop, number>();

/** Asks an owner-mode `loop` for {@link SETTLE_TURNS} non-blocking iterations (no-op when guest). */
export function settleOwnerLoop(loop: EventLoop): void {
  if (loop.mode !== 'owner' || loop.isClosed) return;
  const left = remaining.get(loop);
  remaining.set(loop, SETTLE_TURNS);
  if (left === undefined) loop.callSoon(turn, loop);
}

function turn(loop: EventLoop): void {
  const left = (remaining.get(loop) ?? 1) - 1;
  if (left <= 0 || loop.isClosed) remaining.delete(loop);
  else {
    remaining.set(loop, left);
    loop.callSoon(turn, loop);
  }
}
