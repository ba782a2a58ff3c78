/**
 * The waker: a descriptor the loop watches for reading, which anyone — another thread
 * included — can make readable to end a blocking `select()` at once. An eventfd on Linux (one
 * fd, an 8-byte counter), a non-blocking self-pipe elsewhere. Writing to a full pipe or a
 * saturated counter would block; those writes are dropped, since the loop is awake anyway.
 *
 * @module
 */
import { close, eventfd, hasEventfd, pipe, read, write } from '../sys/fd.ts';

const ONE = new BigUint64Array([1n]);
const ONE_BYTES = new Uint8Array(ONE.buffer);

/** A wake-up descriptor pair; see the module comment. */
export class Waker {
  /** The fd the loop watches for readability. */
  readonly readFd: number;
  /** The fd `wake()` writes to (the same fd for an eventfd). */
  readonly writeFd: number;
  readonly #scratch = new Uint8Array(64);
  #closed = false;

  constructor() {
    if (hasEventfd) {
      this.readFd = this.writeFd = eventfd(0);
    } else {
      [this.readFd, this.writeFd] = pipe();
    }
  }

  /** Makes `readFd` readable. Safe from any thread that holds `writeFd` (see threadsafe.ts). */
  wake(): void {
    if (!this.#closed) wakeFd(this.writeFd, this.readFd === this.writeFd);
  }

  /** Reads everything pending so `readFd` is no longer readable. */
  drain(): void {
    // eventfd: one 8-byte read resets the counter. pipe: read until it would block.
    while (read(this.readFd, this.#scratch) > 0 && this.readFd !== this.writeFd) {}
  }

  /** Closes the descriptor(s). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    close(this.readFd);
    if (this.writeFd !== this.readFd) close(this.writeFd);
  }
}

/**
 * Writes one wake-up to `fd`: 8 bytes (the value 1) to an eventfd, or one byte to a pipe.
 * Would-block (full pipe, saturated counter) is ignored: the reader is awake already.
 */
export function wakeFd(fd: number, isEventfd: boolean): void {
  write(fd, ONE_BYTES, 0, isEventfd ? 8 : 1);
}
