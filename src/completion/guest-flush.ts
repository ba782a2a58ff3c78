/**
 * The guest-mode flush of the io_uring completion backend (`uring-completion.ts`): in guest
 * mode libuv waits on the ring fd and nobody else would enter the ring, so whatever an
 * iteration prepared (SQEs written, `beforeSubmit` hooks queued) is submitted by one
 * `io_uring_enter` at the end of the JS turn, in a microtask. An owner-mode loop turns it off:
 * its next `wait()` submits anyway.
 * @internal
 * @module
 */

import type { IoUring } from '../sys/io-uring.ts';
import type { SubmitHooks } from './submit-hooks.ts';

const SETTLED = Promise.resolve();

/**
 * Runs the hooks and submits the prepared SQEs once at the end of the JS turn after
 * {@link GuestFlush.schedule}; see the module comment.
 * @internal
 */
export class GuestFlush {
  /** Flush at the end of each JS turn (guest mode); off, {@link GuestFlush.schedule} does nothing. */
  enabled = true;
  readonly #ring: IoUring;
  readonly #hooks: SubmitHooks;
  #scheduled = false;
  #stopped = false;

  /**
   * @param ring the ring to submit
   * @param hooks the hooks to run before submitting
   */
  constructor(ring: IoUring, hooks: SubmitHooks) {
    this.#ring = ring;
    this.#hooks = hooks;
  }

  /** Asks for a flush at the end of this JS turn (once, however often it is asked). */
  schedule(): void {
    if (this.enabled && !this.#scheduled && !this.#stopped) {
      this.#scheduled = true;
      // A reaction on a settled promise, not queueMicrotask: Node's queueMicrotask makes an
      // AsyncResource and a bound function per call (~100 bytes, async-hook bookkeeping when it
      // runs). Same microtask queue, same turn. A throw there is an unhandled rejection.
      SETTLED.then(this.#flush);
    }
  }

  /** No flush any more, scheduled or not (the queue is closed). */
  stop(): void {
    this.#stopped = true;
  }

  #flush = (): void => {
    this.#scheduled = false;
    if (this.#stopped) return;
    this.#hooks.run();
    if (this.#ring.pending > 0) this.#ring.submit();
  };
}
