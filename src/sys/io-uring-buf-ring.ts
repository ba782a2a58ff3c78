/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux ≥ 5.19), mapped and registered by
 * hand: one page-aligned anonymous mapping holds the ring of `struct io_uring_buf` entries,
 * another the buffers themselves. The kernel takes a buffer for each completion of a RECV with
 * BUFFER_SELECT and names it in the CQE (`flags >>> 16`); the program gives it back with
 * {@link BufRing.recycle} once it has copied the bytes out. When the ring is empty, a recv
 * completes with −ENOBUFS (and a multishot recv ends).
 *
 * @module
 */

import type { IoUring } from './io-uring.ts';
import { Buf, BufReg, RegisterOp } from './io-uring-abi.ts';
import { Mapping, PAGE_SIZE, pageAlign } from './io-uring-mem.ts';

/** Receives up to this many bytes are copied out byte by byte (see copyOut). */
const SMALL_COPY = 128;
/** A registered group of equally sized receive buffers. */
export class BufRing {
  /** The buffer group id SQEs name. */
  readonly groupId: number;
  /** Number of buffers (a power of two). */
  readonly count: number;
  /** Bytes per buffer. */
  readonly bufferSize: number;
  readonly #ring: IoUring;
  readonly #entries: Mapping;
  readonly #data: Mapping;
  readonly #e32: Uint32Array;
  readonly #e16: Uint16Array;
  readonly #bytes: Uint8Array;
  /** The same memory as a Buffer, for copying out without a view per receive. */
  readonly #asBuffer: Buffer;
  /** The same memory as 32-bit words (a buffer starts on a word when bufferSize is a multiple of 4). */
  readonly #words: Int32Array;
  /** The last destination ArrayBuffer (Buffer's allocation pool) and a word view of it. */
  #dstBuffer: ArrayBufferLike | null = null;
  #dstWords: Int32Array = new Int32Array(0);
  #tail = 0;
  #registered = false;
  /** Each buffer's address as the two 32-bit words of `io_uring_buf.addr` (computed once, not per recycle). */
  readonly #addrLo: Uint32Array;
  readonly #addrHi: Uint32Array;

  /**
   * Maps the ring and the buffers, registers them as group `groupId`, and provides every buffer.
   * @param count power of two, ≤ 32768
   * @throws RangeError for a bad count; OsError when the kernel refuses the registration
   */
  constructor(ring: IoUring, groupId: number, count: number, bufferSize: number) {
    if (!(count > 0 && count <= 32768 && (count & (count - 1)) === 0))
      throw new RangeError(`A buffer ring needs a power-of-two count up to 32768; got ${count}.`);
    this.#ring = ring;
    this.groupId = groupId;
    this.count = count;
    this.bufferSize = bufferSize;
    this.#entries = Mapping.map(pageAlign(count * Buf.SIZE));
    try {
      this.#data = Mapping.map(pageAlign(count * bufferSize));
    } catch (err) {
      this.#entries.unmap();
      throw err;
    }
    this.#e32 = new Uint32Array(this.#entries.buffer);
    this.#e16 = new Uint16Array(this.#entries.buffer);
    this.#bytes = new Uint8Array(this.#data.buffer);
    this.#asBuffer = Buffer.from(this.#data.buffer);
    this.#words = new Int32Array(this.#data.buffer, 0, this.#data.buffer.byteLength >>> 2);
    const reg = Mapping.map(PAGE_SIZE);
    try {
      const v = new DataView(reg.buffer);
      v.setBigUint64(BufReg.ring_addr, BigInt(this.#entries.address), true);
      v.setUint32(BufReg.ring_entries, count, true);
      v.setUint16(BufReg.bgid, groupId, true);
      ring.register(RegisterOp.PBUF_RING, reg.address, 1);
      this.#registered = true;
    } catch (err) {
      this.#data.unmap();
      this.#entries.unmap();
      throw err;
    } finally {
      reg.unmap();
    }
    this.#addrLo = new Uint32Array(count);
    this.#addrHi = new Uint32Array(count);
    for (let bid = 0; bid < count; bid++) {
      const addr = this.#data.address + bid * bufferSize;
      this.#addrLo[bid] = addr >>> 0;
      this.#addrHi[bid] = Math.floor(addr / 2 ** 32);
    }
    for (let bid = 0; bid < count; bid++) this.#put(bid);
    this.#publish();
  }

  /** The bytes of buffer `bufferId` (a view: copy what you keep before recycling it). */
  view(bufferId: number, length: number): Uint8Array {
    return this.#bytes.subarray(bufferId * this.bufferSize, bufferId * this.bufferSize + length);
  }

  /** A fresh Buffer holding the first `length` bytes of buffer `bufferId` (no view is made). */
  copyOut(bufferId: number, length: number): Buffer {
    const start = bufferId * this.bufferSize;
    const out = Buffer.allocUnsafe(length);
    if (length > SMALL_COPY) this.#asBuffer.copy(out, 0, start, start + length);
    else {
      // By hand: Buffer#copy is a call into C++, TypedArray#set needs a view of the source first.
      // Word by word when the destination is 4-byte aligned (Buffer's pool aligns to 8): a
      // 64-byte receive is 16 stores instead of 64 (measured ~45 ns instead of ~120).
      const src = this.#bytes;
      const dstOffset = out.byteOffset;
      let i = 0;
      if (((dstOffset | start) & 3) === 0) {
        const pool = out.buffer;
        if (pool !== this.#dstBuffer) {
          this.#dstBuffer = pool;
          this.#dstWords = new Int32Array(pool, 0, pool.byteLength >>> 2);
        }
        const dst = this.#dstWords;
        const srcWords = this.#words;
        const d = dstOffset >>> 2;
        const w = start >>> 2;
        const nWords = length >>> 2;
        for (let k = 0; k < nWords; k++) dst[d + k] = srcWords[w + k] as number;
        i = nWords << 2;
      }
      for (; i < length; i++) out[i] = src[start + i] as number;
    }
    return out;
  }

  /** Gives buffer `bufferId` back to the kernel (visible to it at once). */
  recycle(bufferId: number): void {
    this.#put(bufferId);
    this.#publish();
  }

  /** Gives the first `count` buffers of `bufferIds` back, published once. */
  recycleMany(bufferIds: readonly number[], count = bufferIds.length): void {
    for (let i = 0; i < count; i++) this.#put(bufferIds[i] as number);
    this.#publish();
  }

  #put(bid: number): void {
    const slot = this.#tail & (this.count - 1);
    const w = (slot * Buf.SIZE) / 4;
    this.#e32[w] = this.#addrLo[bid] as number;
    this.#e32[w + 1] = this.#addrHi[bid] as number;
    this.#e32[w + Buf.len / 4] = this.bufferSize;
    // bid (u16 @12) shares a word with resv (u16 @14), which in entry 0 is the ring's tail.
    this.#e16[(slot * Buf.SIZE + Buf.bid) / 2] = bid;
    this.#tail = (this.#tail + 1) & 0xffff;
  }

  /** Stores the tail with release order: the entries written before it are visible first. */
  #publish(): void {
    Atomics.store(this.#e16, Buf.TAIL / 2, this.#tail);
  }

  /** Unregisters the group and unmaps the memory. Call after the recvs using it completed. Idempotent. */
  close(): void {
    if (!this.#registered) return;
    this.#registered = false;
    if (!this.#ring.isClosed) {
      const reg = Mapping.map(PAGE_SIZE);
      try {
        new DataView(reg.buffer).setUint16(BufReg.bgid, this.groupId, true);
        this.#ring.register(RegisterOp.UNREGISTER_PBUF_RING, reg.address, 1);
      } finally {
        reg.unmap();
      }
    }
    this.#data.unmap();
    this.#entries.unmap();
  }
}
