/**
 * The sizes and setup flags of a loop's io_uring: SQ and CQ entries, the provided-buffer ring's
 * buffers, and the `IORING_SETUP_*` flags, each with the measurement or kernel fact behind it.
 * `uring-completion.ts` builds its ring from them and re-exports the sizes.
 * @module
 */
import { EINVAL, OsError } from '../sys/errno.ts';
import { IoUring, SetupFlag } from '../sys/io-uring.ts';

/** SQ entries of a loop's ring (the CQ gets {@link CQ_ENTRIES}). */
export const SQ_ENTRIES = 512;
/** CQ entries: room for the multishot completions of a busy iteration before the kernel backlog. */
export const CQ_ENTRIES = 4096;
/**
 * Buffers in the provided-buffer ring shared by every receive of a loop. A buffer is held from
 * its completion until the callback has run, so an iteration that reaps more receive
 * completions than this runs the ring dry: each receive then ends with ENOBUFS and is submitted
 * again. 256 did at 500 echo connections (~270 completions per iteration: 30 871 ENOBUFS per
 * 60 k round trips, ~1.5 µs more user CPU per round trip); 1024 had none. Pages are touched only
 * as far as receives fill them (64 B messages: the first page of each buffer).
 */
export const RECV_BUFFERS = 1024;
/** Bytes per receive buffer (the most one receive completion delivers). */
export const RECV_BUFFER_SIZE = 16 * 1024;

/**
 * `COOP_TASKRUN`: the kernel does not interrupt this thread to post each completion (it posts
 * them at its next entry into the kernel: our io_uring_enter or libuv's epoll_wait);
 * `SINGLE_ISSUER`: only this thread submits. Measured with 64 B echo, 50 connections: 6.5–7.4 µs
 * of server CPU per round trip against 8.0–9.9 with no flags (same run, shared machine). Never
 * `DEFER_TASKRUN`: libuv would not see the ring fd readable (docs/backends/io_uring.md).
 * @internal
 */
export const SETUP_FLAGS = SetupFlag.COOP_TASKRUN | SetupFlag.SINGLE_ISSUER;

/**
 * The flags of a ring made for an owner-mode loop only (`new UringSelector({ mode: 'owner' })`:
 * it submits and waits in its own `io_uring_enter`, nobody else watches the ring fd).
 * `DEFER_TASKRUN` (Linux 6.1; with `SINGLE_ISSUER`): the kernel queues the work that finishes an
 * operation (a receive after its poll fired, an accept) on the ring and runs it, in a batch, only
 * inside this thread's `io_uring_enter(GETEVENTS)`, instead of as task work at any kernel exit.
 * `TASKRUN_FLAG`: the kernel then sets `IORING_SQ_TASKRUN` in the SQ ring's flags, so a
 * zero-timeout wait knows when it must enter to get completions. Not the default of
 * `selector: 'io_uring'` in owner mode: there the guest flags let a reply's receive complete at
 * the exit of the `epoll_pwait(0)` owner mode makes anyway each iteration, where DEFER_TASKRUN
 * needs an `io_uring_enter` more per wake-up (measured at one connection: 3.0 I/O system calls
 * per round trip against 2.0; docs/backends/io_uring.md). Falls back to {@link SETUP_FLAGS}
 * where the kernel refuses them (EINVAL).
 * @internal
 */
export const OWNER_SETUP_FLAGS = SetupFlag.DEFER_TASKRUN | SetupFlag.SINGLE_ISSUER | SetupFlag.TASKRUN_FLAG;

/**
 * A loop's ring: with {@link OWNER_SETUP_FLAGS} when `owner` asks for them and the kernel has
 * them, else (EINVAL: before Linux 6.1) with {@link SETUP_FLAGS}.
 * @throws OsError when io_uring cannot be set up
 * @internal
 */
export function openLoopRing(owner: boolean): { ring: IoUring; deferTaskrun: boolean } {
  if (owner) {
    try {
      return {
        ring: IoUring.create(SQ_ENTRIES, { cqEntries: CQ_ENTRIES, flags: OWNER_SETUP_FLAGS }),
        deferTaskrun: true,
      };
    } catch (err) {
      if (!(err instanceof OsError) || err.errno !== EINVAL) throw err;
    }
  }
  return {
    ring: IoUring.create(SQ_ENTRIES, { cqEntries: CQ_ENTRIES, flags: SETUP_FLAGS }),
    deferTaskrun: false,
  };
}
