/**
 * Counts the system calls nbio makes, by kind, with the bytes they moved: the flight recorder
 * (`loop.recorder`) and `nbio race` read it. Off by default: each call site pays one branch
 * (`if (syscallCounter.on)`), and a counter increment only while some recorder counts.
 *
 * The counter is process-wide (L0 knows no loop); the recorder takes differences around each
 * iteration, so two loops recording at once in one thread would see each other's calls.
 *
 * @module
 */

/** The kinds of system call counted, in the order of the counter arrays. */
export const SYSCALL_KINDS = [
  'read',
  'write',
  'readv',
  'writev',
  'recv',
  'send',
  'recvfrom',
  'sendto',
  'accept',
  'connect',
  'close',
  'epoll_wait',
  'epoll_ctl',
  'poll',
  'select',
  'kevent',
  'io_uring_enter',
] as const;

/** One counted system call kind. */
export type SyscallKind = (typeof SYSCALL_KINDS)[number];

/** Index of each kind: its calls are at `2 × index` of {@link SyscallCounter.counts}, its bytes next. */
export const Sc = {
  read: 0,
  write: 1,
  readv: 2,
  writev: 3,
  recv: 4,
  send: 5,
  recvfrom: 6,
  sendto: 7,
  accept: 8,
  connect: 9,
  close: 10,
  epoll_wait: 11,
  epoll_ctl: 12,
  poll: 13,
  select: 14,
  kevent: 15,
  io_uring_enter: 16,
} as const satisfies Record<SyscallKind, number>;

/** The process-wide counter; see the module comment. */
export interface SyscallCounter {
  /** True while at least one user counts (see {@link startCountingSyscalls}). */
  on: boolean;
  /**
   * Calls and bytes moved (reads and writes only) per kind, interleaved: kind k's calls at
   * `2k`, its bytes at `2k + 1` (k: {@link Sc}). One array, so a count touches one cache line,
   * not one in a calls array and one in a bytes array: the count runs right after a system call,
   * when the counter's lines are cold (docs/seeing.md, Costs). Read with {@link syscallCalls}.
   */
  readonly counts: Float64Array;
  /**
   * Bit k set once kind k (index: {@link Sc}) has been counted (never cleared): a reader of the
   * differences visits only these kinds — a loop uses 3–5 of the 17.
   */
  used: number;
}

/** The one counter of this thread. Call sites: `if (syscallCounter.on) countSyscall(Sc.recv, n)`. */
export const syscallCounter: SyscallCounter = {
  on: false,
  counts: new Float64Array(2 * SYSCALL_KINDS.length),
  used: 0,
};

let users = 0;

/** Counts one call of `kind` that moved `bytes` (negative results count as 0 bytes). */
export function countSyscall(kind: number, bytes = 0): void {
  const c = syscallCounter;
  const counts = c.counts;
  counts[2 * kind]! += 1;
  if (bytes > 0) counts[2 * kind + 1]! += bytes;
  c.used |= 1 << kind;
}

/** Calls of `kind` counted so far (index: {@link Sc}); with no kind, of all kinds. */
export function syscallCalls(kind?: number): number {
  const counts = syscallCounter.counts;
  if (kind !== undefined) return counts[2 * kind] ?? 0;
  let sum = 0;
  for (let k = 0; k < counts.length; k += 2) sum += counts[k] ?? 0;
  return sum;
}

/** Bytes moved by calls of `kind` counted so far (index: {@link Sc}). */
export function syscallBytes(kind: number): number {
  return syscallCounter.counts[2 * kind + 1] ?? 0;
}

/** Turns counting on for one more user. @returns a function that stops this user's counting */
export function startCountingSyscalls(): () => void {
  users++;
  syscallCounter.on = true;
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    users--;
    if (users === 0) syscallCounter.on = false;
  };
}
