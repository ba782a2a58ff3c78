/**
 * Setting an io_uring up and taking it down: io_uring_setup(2), the three mmap'd regions (SQ
 * ring, CQ ring, SQE array) and the scratch page, where the rings' fields lie (from the offsets
 * the kernel returns in `io_uring_params`), unmapping all of it, and the one-time check whether
 * io_uring works here. `IoUring` (io-uring.ts) is built on the {@link RingLayout} made here.
 *
 * @internal
 * @module
 */
import { lastErrno, libc } from './binding.ts';
import { OsError } from './errno.ts';
import { close as closeFd } from './fd.ts';
import {
  Cqe,
  CqOff,
  Feature,
  MmapOffset,
  ioUringSyscalls as nr,
  Params,
  SetupFlag,
  Sqe,
  SqOff,
} from './io-uring-abi.ts';
import { Mapping, PAGE_SIZE, pageAlign } from './io-uring-mem.ts';

/**
 * syscall(2), through which the io_uring system calls are made (null where io_uring does not
 * exist: not Linux on x86_64/arm64).
 * @internal
 */
export const ioUringSyscall =
  nr === null
    ? null
    : libc.func(
        'long syscall(long number, intptr_t a, intptr_t b, intptr_t c, intptr_t d, intptr_t e, intptr_t f)',
      );

/**
 * Bytes of per-SQE scratch memory (a timespec or a sockaddr the kernel reads while submitting).
 * @internal
 */
export const AUX_SIZE = 128;

/** Options for `IoUring.create` (io-uring.ts). */
export interface IoUringOptions {
  /** `IORING_SETUP_*` flags (see {@link SetupFlag}); never DEFER_TASKRUN for a ring libuv watches. */
  flags?: number;
  /** CQ size (power of two ≥ entries); default twice `entries`. */
  cqEntries?: number;
}

/** Whether io_uring can be used here, and if not, why (sysctl, seccomp, an old kernel, not Linux). */
export type IoUringAvailability = { available: true } | { available: false; reason: string };

/**
 * A ring set up: its descriptor, what the kernel chose, its mappings, and where the rings'
 * fields are (as indexes of 32-bit words into `sqRing` and `cqRing`).
 * @internal
 */
export interface RingLayout {
  readonly fd: number;
  readonly sqEntries: number;
  readonly cqEntries: number;
  /** `IORING_FEAT_*` bits. */
  readonly features: number;
  /** The SQ ring (and the CQ ring too with `IORING_FEAT_SINGLE_MMAP`). */
  readonly sqRing: Mapping;
  /** The CQ ring (the same mapping as `sqRing` with `IORING_FEAT_SINGLE_MMAP`). */
  readonly cqRing: Mapping;
  /** The SQE array. */
  readonly sqes: Mapping;
  /** Scratch memory: {@link AUX_SIZE} bytes per SQE, then the wait's `io_uring_getevents_arg`. */
  readonly aux: Mapping;
  readonly iSqHead: number;
  readonly iSqTail: number;
  readonly iSqFlags: number;
  readonly sqMask: number;
  readonly iCqHead: number;
  readonly iCqTail: number;
  readonly iCqes: number;
  readonly cqMask: number;
}

/**
 * io_uring_setup(2) and the mappings; the ring fd is closed again if mapping fails.
 * @param entries SQ size (rounded up to a power of two by the kernel)
 * @throws OsError (ENOSYS: no io_uring; EPERM: disabled by sysctl `kernel.io_uring_disabled` or seccomp)
 * @internal
 */
export function setupRing(entries: number, options: IoUringOptions): RingLayout {
  if (ioUringSyscall === null || nr === null)
    throw new Error('io_uring exists only on Linux (x86_64, arm64).');
  const params = Mapping.map(PAGE_SIZE);
  try {
    const p = new DataView(params.buffer);
    let flags = options.flags ?? 0;
    if (options.cqEntries !== undefined) {
      flags |= SetupFlag.CQSIZE;
      p.setUint32(Params.cq_entries, options.cqEntries, true);
    }
    p.setUint32(Params.flags, flags, true);
    const fd = Number(ioUringSyscall(nr.setup, entries, params.address, 0, 0, 0, 0));
    if (fd < 0) throw new OsError('io_uring_setup', lastErrno());
    try {
      return mapRings(fd, p);
    } catch (err) {
      closeFd(fd);
      throw err;
    }
  } finally {
    params.unmap();
  }
}

/** Maps the regions of ring `fd` as the filled-in `io_uring_params` `p` describe them. */
function mapRings(fd: number, p: DataView): RingLayout {
  const sqEntries = p.getUint32(Params.sq_entries, true);
  const cqEntries = p.getUint32(Params.cq_entries, true);
  const features = p.getUint32(Params.features, true);
  const sq = (f: number) => p.getUint32(Params.sq_off + f, true);
  const cq = (f: number) => p.getUint32(Params.cq_off + f, true);
  const sqSize = sq(SqOff.array) + sqEntries * 4;
  const cqSize = cq(CqOff.cqes) + cqEntries * Cqe.SIZE;
  const single = (features & Feature.SINGLE_MMAP) !== 0;
  const sqRing = Mapping.map(single ? Math.max(sqSize, cqSize) : sqSize, fd, MmapOffset.SQ_RING);
  const cqRing = single ? sqRing : Mapping.map(cqSize, fd, MmapOffset.CQ_RING);
  const sqes = Mapping.map(sqEntries * Sqe.SIZE, fd, MmapOffset.SQES);
  const aux = Mapping.map(pageAlign(sqEntries * AUX_SIZE + PAGE_SIZE));
  const sq32 = new Uint32Array(sqRing.buffer);
  const cq32 = new Uint32Array(cqRing.buffer);
  // The SQ array maps ring slots to SQE indexes: identity, written once.
  const arr = sq(SqOff.array) / 4;
  for (let i = 0; i < sqEntries; i++) sq32[arr + i] = i;
  return {
    fd,
    sqEntries,
    cqEntries,
    features,
    sqRing,
    cqRing,
    sqes,
    aux,
    iSqHead: sq(SqOff.head) / 4,
    iSqTail: sq(SqOff.tail) / 4,
    iSqFlags: sq(SqOff.flags) / 4,
    sqMask: sq32[sq(SqOff.ring_mask) / 4] ?? 0,
    iCqHead: cq(CqOff.head) / 4,
    iCqTail: cq(CqOff.tail) / 4,
    iCqes: cq(CqOff.cqes) / 4,
    cqMask: cq32[cq(CqOff.ring_mask) / 4] ?? 0,
  };
}

/**
 * Unmaps the ring's regions (the fd stays open: the caller closes it).
 * @internal
 */
export function unmapRings(layout: RingLayout): void {
  layout.sqes.unmap();
  if (layout.cqRing !== layout.sqRing) layout.cqRing.unmap();
  layout.sqRing.unmap();
  layout.aux.unmap();
}

let availability: IoUringAvailability | undefined;

/**
 * Whether io_uring works here (tried once: a small ring is set up and closed); the reason if
 * not. `IoUring.availability()` returns this.
 * @internal
 */
export function ioUringAvailability(): IoUringAvailability {
  if (availability !== undefined) return availability;
  if (nr === null) {
    availability = {
      available: false,
      reason: `io_uring is Linux-only (x86_64, arm64); this is ${process.platform}/${process.arch}`,
    };
    return availability;
  }
  try {
    const r = setupRing(2, {});
    const need = Feature.NODROP | Feature.EXT_ARG | Feature.FAST_POLL;
    const ok = (r.features & need) === need;
    unmapRings(r);
    closeFd(r.fd);
    availability = ok
      ? { available: true }
      : {
          available: false,
          reason:
            'this kernel lacks IORING_FEAT_NODROP/EXT_ARG/FAST_POLL (Linux ≥ 5.11 needed; 6.0 for multishot recv)',
        };
  } catch (err) {
    const e = err as OsError;
    availability = {
      available: false,
      reason: `io_uring_setup failed with ${e.code ?? String(err)} (disabled by sysctl kernel.io_uring_disabled, or by a seccomp filter such as a container's)`,
    };
  }
  return availability;
}
