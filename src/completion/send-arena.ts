/**
 * Memory for data the kernel sends later: an io_uring SEND reads its bytes when it runs, which
 * may be long after `write()` returned (a peer that reads slowly), so they cannot stay in a JS
 * buffer. The arena hands out fixed-size chunks of anonymous mmap'd memory and takes them back
 * when the send completes. It grows by one mapping of {@link CHUNKS_PER_MAPPING} chunks when
 * none is free, and is unmapped as a whole by `close()`.
 *
 * @module
 */
import { Mapping } from '../sys/io-uring-mem.ts';

/** Bytes per chunk: the most one SEND carries (a transport sends the rest when it completes). */
export const SEND_CHUNK_SIZE = 64 * 1024;
/** Chunks per mapping (1 MiB). */
export const CHUNKS_PER_MAPPING = 16;

/** One chunk: the address the kernel reads and the bytes JS writes. */
export interface SendChunk {
  readonly address: number;
  readonly bytes: Uint8Array;
}

/** A pool of send chunks; see the module comment. */
export class SendArena {
  readonly #mappings: Mapping[] = [];
  readonly #free: SendChunk[] = [];
  #inUse = 0;

  /** Chunks handed out and not yet released. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Bytes mapped. */
  get mappedBytes(): number {
    return this.#mappings.length * CHUNKS_PER_MAPPING * SEND_CHUNK_SIZE;
  }

  /** A free chunk (mapping more memory when none is left). @throws OsError when mmap fails */
  take(): SendChunk {
    let c = this.#free.pop();
    if (c === undefined) {
      const m = Mapping.map(CHUNKS_PER_MAPPING * SEND_CHUNK_SIZE);
      this.#mappings.push(m);
      for (let i = CHUNKS_PER_MAPPING - 1; i >= 0; i--) {
        this.#free.push({
          address: m.address + i * SEND_CHUNK_SIZE,
          bytes: new Uint8Array(m.buffer, i * SEND_CHUNK_SIZE, SEND_CHUNK_SIZE),
        });
      }
      c = this.#free.pop() as SendChunk;
    }
    this.#inUse++;
    return c;
  }

  /** Gives a chunk back once the kernel is done with it (its send completed). */
  release(chunk: SendChunk): void {
    this.#inUse--;
    this.#free.push(chunk);
  }

  /**
   * Copies as much of `chunks` (from byte `offset` of the first) as fits into `chunk`.
   * @returns the bytes copied
   */
  static fill(chunk: SendChunk, chunks: readonly Uint8Array[], offset = 0): number {
    let n = 0;
    for (let i = 0; i < chunks.length && n < SEND_CHUNK_SIZE; i++) {
      let src = chunks[i] as Uint8Array;
      if (i === 0 && offset > 0) src = src.subarray(offset);
      const take = Math.min(src.length, SEND_CHUNK_SIZE - n);
      chunk.bytes.set(take === src.length ? src : src.subarray(0, take), n);
      n += take;
    }
    return n;
  }

  /** Unmaps everything (after the ring is closed: no send may still be running). Idempotent. */
  close(): void {
    for (const m of this.#mappings.splice(0)) m.unmap();
    this.#free.length = 0;
    this.#inUse = 0;
  }
}
