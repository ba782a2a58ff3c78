/**
 * Memory the kernel keeps: anonymous or ring mappings made with mmap(2), seen from JS through
 * `koffi.view` as a live `ArrayBuffer`. io_uring reads SQEs, timespecs, sockaddrs and send data,
 * and writes received bytes, at addresses it was given earlier, so none of that may live in a JS
 * Buffer (koffi's pointers into JS memory are valid only during one call). Linux only.
 *
 * @module
 */
import { koffi, lastErrno, libc, osName } from './binding.ts';
import { OsError } from './errno.ts';

const c =
  osName === 'linux'
    ? {
        mmap: libc.func(
          'intptr_t mmap(intptr_t addr, size_t length, int prot, int flags, int fd, intptr_t offset)',
        ),
        munmap: libc.func('int munmap(intptr_t addr, size_t length)'),
      }
    : null;

const PROT_READ_WRITE = 0x3;
const MAP_SHARED = 0x1;
const MAP_PRIVATE = 0x2;
const MAP_ANONYMOUS = 0x20;
const MAP_POPULATE = 0x8000;
/** The page size of Linux on x86_64 and (in its default configuration) arm64. */
export const PAGE_SIZE = 4096;

/** One mapping: its address (a plain number: user addresses fit in 47 bits) and a view over it. */
export class Mapping {
  /** The start address, as the kernel sees it. */
  readonly address: number;
  /** Length in bytes. */
  readonly byteLength: number;
  /** The live bytes (invalid after `unmap()`). */
  readonly buffer: ArrayBuffer;
  #mapped = true;

  private constructor(address: number, byteLength: number) {
    this.address = address;
    this.byteLength = byteLength;
    this.buffer = koffi.view(address, byteLength);
  }

  /**
   * mmap(2) of `length` bytes: anonymous private memory when `fd` is -1, else a shared mapping of
   * `fd` at `offset` (an io_uring's rings).
   * @throws OsError when the kernel refuses
   */
  static map(length: number, fd = -1, offset = 0): Mapping {
    if (c === null) throw new Error('mmap is used for io_uring only, which exists only on Linux.');
    const flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED | MAP_POPULATE;
    const addr = Number(c.mmap(0, length, PROT_READ_WRITE, flags, fd, offset));
    // MAP_FAILED is (void *)-1.
    if (addr === -1) throw new OsError('mmap', lastErrno(), `${length} bytes`);
    return new Mapping(addr, length);
  }

  /** munmap(2). Idempotent; views over the memory must not be used afterwards. */
  unmap(): void {
    if (!this.#mapped || c === null) return;
    this.#mapped = false;
    if (c.munmap(this.address, this.byteLength) !== 0) throw new OsError('munmap', lastErrno());
  }
}

/** Rounds `n` up to a whole number of pages. */
export function pageAlign(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}
