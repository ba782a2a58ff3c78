/**
 * Write-side flow control: a transport's write buffer (the bytes the socket has not taken
 * yet), its water marks, and the decision when to tell the protocol to pause or resume
 * producing (asyncio's `FlowControlMixin` plus the buffer it measures).
 *
 * The buffer may grow above `high` (a write is never refused for being large: nothing accepted
 * is lost); crossing it calls `pauseWriting()` once. Draining to `low` or below calls
 * `resumeWriting()` once. The two alternate, starting with pause. The gap between the marks
 * (hysteresis) keeps a producer writing near the limit from flapping between the two.
 *
 * A transport makes its FlowControl only when a write leaves bytes buffered or its marks are
 * set (stream-transport-base.ts): most connections never buffer a byte, and go without one.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { WaterMarks } from './transport.ts';

/** Default high water mark: 64 KiB, asyncio's and about one socket send buffer on loopback. */
export const DEFAULT_HIGH_WATER_MARK = 64 * 1024;
/** Default low water mark: 16 KiB (high / 4, as asyncio). */
export const DEFAULT_LOW_WATER_MARK = 16 * 1024;

/** What the transport should tell its protocol after the buffered amount changed. */
export type FlowSignal = 'pause' | 'resume' | null;

/** One write buffer: its chunks, water marks and paused state. */
export class FlowControl {
  /** Unsent bytes, oldest first; the first chunk is narrowed (subarray) after a partial send. */
  chunks: Uint8Array[] = [];
  #buffered = 0;
  #high = DEFAULT_HIGH_WATER_MARK;
  #low = DEFAULT_LOW_WATER_MARK;
  #paused = false;

  /**
   * @param high the initial high water mark (see {@link FlowControl.setLimits})
   * @param low the initial low water mark
   * @throws InvalidArgumentError for marks that are not integers ≥ 0 or with low > high
   */
  constructor(high?: number, low?: number) {
    if (high !== undefined || low !== undefined) this.setLimits(high, low);
  }

  /** Bytes queued, not yet sent. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Queues `bufs[first]` (from byte `offset`) and every later buffer **by reference**, as
   * Node's `net` does: no copy, so writing one buffer many times holds it once, and a layer
   * above (compat's Duplex) never holds the same bytes as this queue. The caller must not
   * change a buffer after `write()` until it was sent (until drain/`resumeWriting`).
   */
  push(bufs: readonly Uint8Array[], first = 0, offset = 0): void {
    for (let i = first; i < bufs.length; i++) {
      const buf = bufs[i]!; // i < bufs.length
      const ref = i === first && offset > 0 ? buf.subarray(offset) : buf;
      this.chunks.push(ref);
      this.#buffered += ref.length;
    }
  }

  /** Drops `sent` bytes from the front (after a send or writev took them). */
  consume(sent: number): void {
    this.#buffered -= sent;
    const chunks = this.chunks;
    let n = sent;
    let done = 0;
    while (n > 0) {
      const c = chunks[done]!; // sent ≤ buffered: the chunks hold at least n more bytes
      if (n >= c.length) {
        n -= c.length;
        done++;
      } else {
        chunks[done] = c.subarray(n);
        n = 0;
      }
    }
    // One chunk done (the common case) is a shift: splice would also build the array it returns.
    if (done === 1) chunks.shift();
    else if (done > 0) chunks.splice(0, done);
  }

  /** Drops everything queued (abort). */
  clear(): void {
    this.chunks = [];
    this.#buffered = 0;
  }

  /** True between a `'pause'` and the following `'resume'`. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /**
   * Sets the marks. Like asyncio: with neither given the defaults apply; `high` alone sets
   * `low` to `high / 4` (rounded down); `low` alone sets `high` to `4 × low`. A high mark of 0
   * pauses the protocol whenever anything is buffered.
   * @throws InvalidArgumentError for a mark that is not an integer ≥ 0, or `low > high`
   */
  setLimits(high?: number, low?: number): void {
    check('high', high);
    check('low', low);
    let h = high;
    let l = low;
    if (h === undefined) h = l === undefined ? DEFAULT_HIGH_WATER_MARK : 4 * l;
    if (l === undefined) l = Math.floor(h / 4);
    if (l > h) {
      throw new InvalidArgumentError(
        `Cannot set write buffer limits high=${h}, low=${l}: low must not exceed high. Pass low ≤ high.`,
      );
    }
    this.#high = h;
    this.#low = l;
  }

  /** The current marks, as a new object. */
  limits(): WaterMarks {
    return { high: this.#high, low: this.#low };
  }

  /**
   * Says whether the protocol must now pause or resume, given the buffered amount. Call it
   * after every change of the buffer and after `setLimits`.
   */
  update(): FlowSignal {
    const buffered = this.#buffered;
    if (!this.#paused) {
      if (buffered > this.#high) {
        this.#paused = true;
        return 'pause';
      }
    } else if (buffered <= this.#low) {
      this.#paused = false;
      return 'resume';
    }
    return null;
  }
}

function check(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(
      `Cannot set the ${name} water mark to ${String(v)}: use a whole number of bytes ≥ 0.`,
    );
  }
}
