/**
 * Where a readiness transport copies a large read before handing it to `dataReceived`: the next
 * free bytes of a shared 256 KiB slab, as Node's `Buffer.allocUnsafe` takes small sizes from
 * its 8 KiB pool. A slab that is full is left to the garbage collector (it lives while any of
 * its views does) and a new one is made.
 *
 * Why (issue 14, B1's 16 KiB c1 f16 row): a fresh `Buffer.allocUnsafe(n)` of 4 KiB to 64 KiB
 * per read is one malloc each; freed together by a scavenge, they left the heap's top free and
 * glibc returned it to the kernel (`brk`), so the next reads faulted fresh, zeroed pages in
 * again — 2.7 to 4 page faults and 0.06 to 0.08 `brk` calls per 16 KiB round trip, against
 * about 0.01 and 0.000 with the slab (`perf stat` on the `nbio echo` server, same run,
 * alternating). Reads under 4 KiB keep Node's pool.
 *
 * The price is the pool's: a Buffer the protocol keeps keeps its slab (at most 256 KiB) alive.
 * A protocol that keeps small pieces of large reads for long should copy them
 * (`Buffer.from(data)`).
 *
 * @module
 */

/** Bytes of one slab. */
export const READ_SLAB_BYTES = 256 * 1024;

/** Reads at least this long go to the slab; shorter ones to `Buffer.allocUnsafe` (Node's pool). */
export const READ_SLAB_MIN_BYTES = 4 * 1024;

let slab: Buffer | null = null;
let slabUsed = 0;

/**
 * A copy of `source[0, length)` the caller may keep: from the slab for a read of
 * {@link READ_SLAB_MIN_BYTES} up to {@link READ_SLAB_BYTES}, else from `Buffer.allocUnsafe`. Views start at multiples of 8 bytes (as the pool's do), so a typed
 * array of any element size can be laid over them.
 */
export function copyRead(source: Buffer, length: number): Buffer {
  const from = head(source, length);
  if (length < READ_SLAB_MIN_BYTES || length > READ_SLAB_BYTES) {
    const out = Buffer.allocUnsafe(length);
    out.set(from);
    return out;
  }
  if (slab === null || slabUsed + length > READ_SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(READ_SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  out.set(from);
  slabUsed = (slabUsed + length + 7) & ~7;
  return out;
}

/** The view of the last {@link head}: its source and length. */
let headOf: Buffer | null = null;
let headLength = -1;
let headView: Buffer = Buffer.alloc(0);

/**
 * `source[0, length)` as a view, the same view as last time when the source and length are the
 * same (an echo's reads all have one length). Copying through a view kept this way is a
 * `TypedArray.prototype.set` and nothing else: `source.copy(out, 0, 0, length)` makes a new
 * view of the source on every call (Node's `_copyActual` does, when the length is not the
 * source's whole length), and reads the source's `ArrayBuffer`, which is what a 64-byte copy
 * cost: 86 against 44 ns here (scratch micro-benchmark, Node 20, 2M copies, best of 3; 300 B:
 * 102 against 62 ns; 4,000 B: 461 against 422 ns). The one source there is (SocketTransport's
 * read buffer) lives as long as the process, so the kept view keeps nothing else alive.
 */
function head(source: Buffer, length: number): Buffer {
  if (source !== headOf || length !== headLength) {
    headView = source.subarray(0, length);
    headOf = source;
    headLength = length;
  }
  return headView;
}
