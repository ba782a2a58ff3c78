/**
 * @internal The guest-mode side of an EventLoop (src/loop/event-loop.ts): what ties the loop to
 * Node's own loop. libuv watches the selector's descriptor (`UvPoll`); a `setImmediate` runs an
 * iteration when callbacks are ready; one re-armed Node timer runs one when the earliest nbio
 * timer is due; and the libuv watch and the Node timer hold the process alive only while the
 * loop has work (docs/loop-iteration.md). The loop decides when; this class does the Node side.
 *
 * @module
 */
import { UvPoll } from '../sys/uv-poll.ts';
import type { Clock } from './clock.ts';
import type { TimerHandle } from './handle.ts';
import type { TimerHeap } from './timer-heap.ts';

/** The longest delay a Node timer takes (2^31−1 ms); longer waits re-arm when it fires. */
const MAX_NODE_TIMER_MS = 2 ** 31 - 1;

/** @internal Why libuv called a guest loop back. */
export type GuestWakeReason = 'uv-poll' | 'immediate' | 'node-timer';

/** @internal What a GuestDriver asks of its loop. */
export interface GuestHost {
  /** libuv called back for `reason`: run one zero-timeout iteration (unless closed or in one). */
  wake(reason: GuestWakeReason): void;
  /** Whether a referenced nbio timer is pending (then the Node timer holds the process). */
  timersHold(): boolean;
}

/** @internal The Node side of a guest-mode loop; see the module comment. */
export class GuestDriver {
  readonly #host: GuestHost;
  readonly #timers: TimerHeap;
  readonly #clock: Clock;
  readonly #uvPoll: UvPoll;
  #uvRefed = true;
  #immediate: NodeJS.Immediate | null = null;
  #nodeTimer: NodeJS.Timeout | null = null;
  /** When the armed Node timer is due (loop time); +Infinity while none is armed. */
  #nodeTimerWhen = Number.POSITIVE_INFINITY;
  #nodeTimerRefed = true;
  #closed = false;

  /**
   * Starts libuv watching `pollableFd` (the selector's descriptor).
   * @param timers the loop's timers (the Node timer follows the earliest)
   * @param clock the loop's clock
   * @throws what `UvPoll` throws; nothing is left open then
   */
  constructor(pollableFd: number, timers: TimerHeap, clock: Clock, host: GuestHost) {
    this.#host = host;
    this.#timers = timers;
    this.#clock = clock;
    this.#uvPoll = new UvPoll(pollableFd, () => {
      this.#immediate = null;
      host.wake('uv-poll');
    });
  }

  /** When the armed Node timer is due (loop time); +Infinity while none is armed. */
  get nodeTimerWhen(): number {
    return this.#nodeTimerWhen;
  }

  /** Runs an iteration on the next turn of Node's loop (once, however often it is asked). */
  scheduleTick(): void {
    if (this.#immediate === null && !this.#closed) this.#immediate = setImmediate(this.#onImmediate);
  }

  /**
   * Timer `t` was added; `outside`: not from inside an iteration. Takes the handle, not its
   * deadline: a double passed to a call that is not inlined is boxed, an allocation per timer.
   */
  timerAdded(t: TimerHandle, outside: boolean): void {
    if (outside && t.when < this.#nodeTimerWhen) this.armNodeTimer();
    else if (!this.#nodeTimerRefed) this.syncNodeTimerRef();
  }

  /**
   * Keeps one Node timer armed no later than the earliest nbio timer. Lazy, like Node's own timer
   * lists: when the earliest deadline moves *later* (a cancel, a sliding idle timeout) the armed
   * timer stays, fires early, finds nothing due and re-arms; only a deadline moving *earlier*
   * re-arms at once. With no timers left it is cleared, so a cancelled timer never keeps the
   * process alive.
   */
  armNodeTimer(): void {
    const next = this.#timers.peek();
    if (next === undefined) {
      if (this.#nodeTimer !== null) {
        clearTimeout(this.#nodeTimer);
        this.#nodeTimer = null;
        this.#nodeTimerWhen = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (this.#nodeTimer !== null && this.#nodeTimerWhen <= next.when) return;
    if (this.#nodeTimer !== null) clearTimeout(this.#nodeTimer);
    this.#nodeTimerWhen = next.when;
    // Node rounds delays to whole ms; round up so the timer is due when we wake.
    const delay = Math.min(Math.max(0, Math.ceil(next.when - this.#clock.now())), MAX_NODE_TIMER_MS);
    this.#nodeTimer = setTimeout(this.#onNodeTimer, delay);
    this.#nodeTimerRefed = true;
    this.syncNodeTimerRef();
  }

  /** The Node timer holds the process only while a referenced nbio timer is pending. */
  syncNodeTimerRef(): void {
    const timer = this.#nodeTimer;
    if (timer === null) return;
    const want = this.#host.timersHold();
    if (want === this.#nodeTimerRefed) return;
    this.#nodeTimerRefed = want;
    if (want) timer.ref();
    else timer.unref();
  }

  /** The libuv watch holds the process while `want` (the loop has work); then syncs the timer's. */
  hold(want: boolean): void {
    if (want !== this.#uvRefed) {
      this.#uvRefed = want;
      if (want) this.#uvPoll.ref();
      else this.#uvPoll.unref();
    }
    this.syncNodeTimerRef();
  }

  /** Clears the Immediate and the Node timer and stops the libuv watch (before the selector's fd closes). */
  close(): void {
    this.#closed = true;
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    if (this.#nodeTimer !== null) clearTimeout(this.#nodeTimer);
    this.#immediate = null;
    this.#nodeTimer = null;
    this.#uvPoll.close(); // a stale watch on a closed fd aborts the process
  }

  readonly #onImmediate = (): void => {
    this.#immediate = null;
    this.#host.wake('immediate');
  };

  readonly #onNodeTimer = (): void => {
    this.#nodeTimer = null;
    this.#nodeTimerWhen = Number.POSITIVE_INFINITY;
    this.#host.wake('node-timer');
  };
}
