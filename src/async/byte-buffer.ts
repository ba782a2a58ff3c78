/**
 * `ByteBuffer`: the bytes a StreamReader holds, as a list of the chunks the transport
 * delivered. Taking bytes that lie in one chunk is zero-copy (a `subarray`: the transport
 * hands over fresh buffers nobody writes to again); only a take that spans chunks copies.
 * Searching walks the chunks in place (never concatenating them) and still finds a delimiter
 * split across chunks.
 *
 * @module
 */

/** A FIFO of bytes. */
export class ByteBuffer {
  #chunks: Buffer[] = [];
  #length = 0;
  #scanned = 0;
  /** Where the last search began: chunk index and the offset of that chunk (reset by take). */
  #cursorIndex = 0;
  #cursorBase = 0;

  /** Bytes examined (or copied to be examined) by `indexOf` so far: a diagnostic for tests. */
  get bytesScanned(): number {
    return this.#scanned;
  }

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
    this.#cursorIndex = 0;
    this.#cursorBase = 0;
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

  /** A copy of everything held, without removing it. */
  copyAll(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }

  /** Removes and returns everything. */
  takeAll(): Buffer {
    return this.take(this.#length);
  }

  /**
   * The index of the first `needle` at or after `from`, or −1. Searches chunk by chunk, with no
   * copy of the buffer: a needle that straddles chunks is looked for in a small window (at most
   * 2·(needle length − 1) bytes) around each boundary. A search resumed at the next `from` (as
   * `readUntil` does after each wake) starts at the chunk where the last one started, so each
   * byte is examined a bounded number of times however long the line grows.
   */
  indexOf(needle: Uint8Array, from = 0): number {
    const m = needle.length;
    const start0 = Math.max(0, from);
    if (m === 0) return start0 <= this.#length ? start0 : -1;
    if (start0 + m > this.#length) return -1;
    const chunks = this.#chunks;
    // Find the chunk holding `start0`, from the cursor when it lies at or before it.
    let i = 0;
    let base = 0;
    if (this.#cursorBase <= start0 && this.#cursorIndex < chunks.length) {
      i = this.#cursorIndex;
      base = this.#cursorBase;
    }
    while (base + chunks[i]!.length <= start0) {
      base += chunks[i]!.length; // start0 < length: a later chunk holds it
      i++;
    }
    this.#cursorIndex = i;
    this.#cursorBase = base;
    let local = start0 - base;
    for (; i < chunks.length; i++) {
      const c = chunks[i]!;
      this.#scanned += c.length - local;
      const at = c.indexOf(needle, local);
      if (at >= 0) return base + at;
      if (m > 1 && i + 1 < chunks.length) {
        // A match that begins in this chunk's last m−1 bytes and ends in later chunks.
        const tail = Math.max(local, c.length - (m - 1));
        const window = this.#window(i, tail, c.length - tail + m - 1);
        this.#scanned += window.length;
        const w = window.indexOf(needle);
        if (w >= 0 && w < c.length - tail) return base + tail + w;
      }
      base += c.length;
      local = 0;
    }
    return -1;
  }

  /** Up to `n` bytes starting at offset `off` of chunk `i`, copied across chunks (small). */
  #window(i: number, off: number, n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    for (let k = i; k < this.#chunks.length && done < n; k++) {
      const c = this.#chunks[k]!;
      const from = k === i ? off : 0;
      const len = Math.min(c.length - from, n - done);
      c.copy(out, done, from, from + len);
      done += len;
    }
    return out.subarray(0, done);
  }
}
