/**
 * `ByteBuffer`: the bytes a StreamReader holds, as a list of the chunks the transport
 * delivered. Taking bytes that lie in one chunk is zero-copy (a `subarray`: the transport
 * hands over fresh buffers nobody writes to again); only a take that spans chunks copies.
 * Searching coalesces the chunks into one first, so a delimiter split across two chunks is
 * found.
 *
 * @module
 */

/** A FIFO of bytes. */
export class ByteBuffer {
  #chunks: Buffer[] = [];
  #length = 0;

  /** Bytes held. */
  get length(): number {
    return this.#length;
  }

  /** Appends `chunk` (kept, not copied: the caller must not modify it afterwards). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Removes and returns the first `n` bytes (`n` ≤ length). */
  take(n: number): Buffer {
    if (n <= 0) return Buffer.alloc(0);
    // n ≤ length: the chunks hold at least n bytes, so every chunks[0] read below exists.
    const chunks = this.#chunks;
    const first = chunks[0]!;
    this.#length -= n;
    if (first.length === n) {
      chunks.shift();
      return first;
    }
    if (first.length > n) {
      chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const c = chunks[0]!;
      const k = Math.min(c.length, n - done);
      c.copy(out, done, 0, k);
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
      done += k;
    }
    return out;
  }

  /** Removes and returns everything. */
  takeAll(): Buffer {
    return this.take(this.#length);
  }

  /** The index of the first `needle` at or after `from`, or −1. */
  indexOf(needle: Uint8Array, from = 0): number {
    if (this.#chunks.length === 0) return -1;
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0]!.indexOf(needle, from); // one chunk now
  }
}
