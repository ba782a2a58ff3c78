/**
 * The io_uring ABI as data: system call numbers, opcodes, flags and struct layouts from the
 * kernel's `include/uapi/linux/io_uring.h` (the same values liburing's headers carry). Only this
 * file spells io_uring numbers; `io-uring.ts` and `io-uring-buf-ring.ts` read them from here.
 *
 * Layouts are those of Linux on 64-bit machines (x86_64, arm64); nbio enables io_uring only
 * there (see {@link ioUringSyscalls}).
 *
 * @module
 */
import { arch, osName } from './binding.ts';

/** System call numbers: the same on x86_64 and arm64 (the unified table since Linux 5.1). */
export const ioUringSyscalls: { setup: number; enter: number; register: number } | null =
  osName === 'linux' && (arch === 'x64' || arch === 'arm64')
    ? { setup: 425, enter: 426, register: 427 }
    : null;

/** `IORING_OP_*`: what an SQE asks the kernel to do. */
export const Op = {
  NOP: 0,
  POLL_ADD: 6,
  POLL_REMOVE: 7,
  TIMEOUT: 11,
  ACCEPT: 13,
  ASYNC_CANCEL: 14,
  CONNECT: 16,
  CLOSE: 19,
  SEND: 26,
  RECV: 27,
  SHUTDOWN: 34,
} as const;

/** `IORING_SETUP_*` flags of io_uring_setup(2). */
export const SetupFlag = {
  CQSIZE: 1 << 3,
  CLAMP: 1 << 4,
  SUBMIT_ALL: 1 << 7,
  COOP_TASKRUN: 1 << 8,
  TASKRUN_FLAG: 1 << 9,
  SINGLE_ISSUER: 1 << 12,
  /** Completions run only inside the issuer's own io_uring_enter(GETEVENTS): never in guest mode. */
  DEFER_TASKRUN: 1 << 13,
} as const;

/** `IORING_FEAT_*` bits the kernel reports in `io_uring_params.features`. */
export const Feature = {
  SINGLE_MMAP: 1 << 0,
  NODROP: 1 << 1,
  SUBMIT_STABLE: 1 << 2,
  FAST_POLL: 1 << 5,
  EXT_ARG: 1 << 8,
} as const;

/** `IORING_ENTER_*` flags of io_uring_enter(2). */
export const EnterFlag = { GETEVENTS: 1, EXT_ARG: 8 } as const;

/** `IOSQE_*` per-SQE flags. */
export const SqeFlag = {
  IO_LINK: 1 << 2,
  ASYNC: 1 << 4,
  BUFFER_SELECT: 1 << 5,
  CQE_SKIP_SUCCESS: 1 << 6,
} as const;

/** `IORING_CQE_F_*` bits of a CQE's flags; the buffer id sits above {@link CQE_BUFFER_SHIFT}. */
export const CqeFlag = { BUFFER: 1, MORE: 2, SOCK_NONEMPTY: 4 } as const;

/** A CQE's provided-buffer id is `flags >>> CQE_BUFFER_SHIFT`. */
export const CQE_BUFFER_SHIFT = 16;

/** `IORING_SQ_*` bits of the SQ ring's flags word. */
export const SqRingFlag = { NEED_WAKEUP: 1, CQ_OVERFLOW: 2, TASKRUN: 4 } as const;

/** Per-opcode flags that live in an SQE's `ioprio` field or its op-flags word. */
export const OpFlag = {
  /** ioprio of ACCEPT: one SQE, a CQE per connection. */
  ACCEPT_MULTISHOT: 1,
  /** ioprio of RECV: one SQE, a CQE per arrival (needs BUFFER_SELECT). */
  RECV_MULTISHOT: 2,
  /** len of POLL_ADD: stay armed after each event. */
  POLL_ADD_MULTI: 1,
  /** op-flags of ASYNC_CANCEL: cancel every match, not just the first. */
  CANCEL_ALL: 1,
  /** op-flags of ASYNC_CANCEL: match by fd instead of user_data. */
  CANCEL_FD: 2,
} as const;

/** `IORING_REGISTER_*` opcodes of io_uring_register(2). */
export const RegisterOp = { PBUF_RING: 22, UNREGISTER_PBUF_RING: 23 } as const;

/** mmap offsets of the three regions (`IORING_OFF_*`). */
export const MmapOffset = { SQ_RING: 0, CQ_RING: 0x8000000, SQES: 0x10000000 } as const;

/** `struct io_uring_params` (120 bytes): field offsets. */
export const Params = {
  SIZE: 120,
  sq_entries: 0,
  cq_entries: 4,
  flags: 8,
  features: 20,
  /** `struct io_sqring_offsets sq_off` starts here. */
  sq_off: 40,
  /** `struct io_cqring_offsets cq_off` starts here. */
  cq_off: 80,
} as const;

/** Field offsets inside `io_sqring_offsets` (add {@link Params.sq_off}). */
export const SqOff = {
  head: 0,
  tail: 4,
  ring_mask: 8,
  ring_entries: 12,
  flags: 16,
  dropped: 20,
  array: 24,
} as const;

/** Field offsets inside `io_cqring_offsets` (add {@link Params.cq_off}). */
export const CqOff = {
  head: 0,
  tail: 4,
  ring_mask: 8,
  ring_entries: 12,
  overflow: 16,
  cqes: 20,
  flags: 24,
} as const;

/** `struct io_uring_sqe` (64 bytes): field offsets. */
export const Sqe = {
  SIZE: 64,
  opcode: 0,
  flags: 1,
  ioprio: 2,
  fd: 4,
  /** `off` / `addr2` (u64). */
  off: 8,
  /** `addr` (u64). */
  addr: 16,
  len: 24,
  /** The op-flags union: msg_flags, poll32_events, accept_flags, timeout_flags, cancel_flags … */
  opFlags: 28,
  userData: 32,
  /** `buf_group` for BUFFER_SELECT. */
  bufGroup: 40,
} as const;

/** `struct io_uring_cqe` (16 bytes without CQE32): field offsets. */
export const Cqe = { SIZE: 16, userData: 0, res: 8, flags: 12 } as const;

/** `struct io_uring_buf` (16 bytes), one provided-buffer ring entry; the ring's tail is the first entry's `resv`. */
export const Buf = { SIZE: 16, addr: 0, len: 8, bid: 12, TAIL: 14 } as const;

/** `struct io_uring_buf_reg` (40 bytes) for IORING_REGISTER_PBUF_RING. */
export const BufReg = { SIZE: 40, ring_addr: 0, ring_entries: 8, bgid: 12 } as const;

/** `struct io_uring_getevents_arg` (24 bytes) for IORING_ENTER_EXT_ARG; `ts` points to a `__kernel_timespec`. */
export const GeteventsArg = { SIZE: 24, ts: 16 } as const;
