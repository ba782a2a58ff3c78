/**
 * `IdleTimer`: the timer behind `socket.setTimeout(ms)`, on the nbio loop. As in `net`, it fires
 * once after `ms` without activity (a read or a write), and activity afterwards arms it again;
 * it never destroys anything by itself, and (as `net`'s) it never keeps the process alive.
 *
 * Activity is frequent and must be cheap, so it only records the time: the armed loop timer is
 * left alone, and when it fires early (activity happened meanwhile) it re-arms for the rest of
 * the interval instead of reporting (the lazy scheme Node's own timer lists use).
 *
 * @module
 */
import { checkDelay } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';

/** One socket's idle timeout. */
export class IdleTimer {
  readonly #loop: EventLoop;
  readonly #onTimeout: () => void;
  #ms = 0;
  #lastActive = 0;
  #timer: TimerHandle | null = null;
  /** When the armed timer fires (loop time). */
  #dueAt = 0;

  /** @param onTimeout called on the loop after `ms` of inactivity */
  constructor(loop: EventLoop, onTimeout: () => void) {
    this.#loop = loop;
    this.#onTimeout = onTimeout;
  }

  /** The timeout in ms (0: off). */
  get ms(): number {
    return this.#ms;
  }

  /**
   * Sets the timeout and starts counting from now; 0 turns it off.
   * @throws InvalidArgumentError for a negative, infinite or non-numeric value
   */
  set(ms: number): void {
    checkDelay(ms, 'socket timeout (0 turns it off)');
    this.#ms = ms;
    if (ms === 0) return; // an armed timer stays, and finds the timeout off when it fires
    const now = this.#loop.time();
    this.#lastActive = now;
    // Node's http server sets a keep-alive timeout after each response and turns it off at the
    // next request: a timer already due no later than needed is kept (it re-arms for the rest
    // when it fires), so that costs no timer operation per request.
    if (this.#timer !== null && this.#dueAt <= now + ms) return;
    this.cancel();
    this.#arm(ms);
  }

  /** Records activity (a read or write); re-arms the timer if it already fired. */
  touch(): void {
    if (this.#ms === 0) return;
    this.#lastActive = this.#loop.time();
    if (this.#timer === null) this.#arm(this.#ms);
  }

  /** Stops the timer (the timeout value is kept; `touch()` does not re-arm after `stop`). */
  stop(): void {
    this.cancel();
    this.#ms = 0;
  }

  /** Cancels a pending timer without changing the timeout. */
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  #arm(delayMs: number): void {
    if (this.#loop.isClosed) return;
    // Unreferenced, as net's socket timeouts: a timeout alone never keeps the process alive.
    this.#timer = this.#loop.callLater(delayMs, this.#fire).unref();
    this.#dueAt = this.#loop.time() + delayMs;
  }

  #fire = (): void => {
    this.#timer = null;
    const ms = this.#ms;
    if (ms === 0) return;
    const idle = this.#loop.time() - this.#lastActive;
    if (idle < ms) {
      this.#arm(ms - idle);
      return;
    }
    this.#onTimeout();
  };
}
