/**
 * The measurements of B2: µs per iteration over a set of registered descriptors, at three
 * levels — the bare `Selector` (`select(0)`), the `EventLoop` (`runOnce(0)` with a no-op reader
 * per descriptor), and the floor: `epoll_wait(…, 0)` declared right here with koffi, no nbio
 * code in between. Every loop is bounded in iterations and in time.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';
import { NbioError } from '../src/errors.ts';
import type { EventLoop } from '../src/loop/event-loop.ts';
import { createSelector } from '../src/selector/default-selector.ts';
import { Interest, type SelectorName } from '../src/selector/selector.ts';

/** One timed run: µs per iteration and events seen per iteration, or why it was refused. */
export type Measurement = { us: number; iters: number; events: number } | { refused: string };

/** Iteration bounds of one run. */
export interface Bounds {
  timeMs: number;
  maxIter: number;
}

/** Untimed iterations before each timed run. */
const WARMUP_ITERS = 20;

/** Runs `once` until `bounds` is reached (checking the clock every 16 iterations). */
function timed(once: () => void, bounds: Bounds): { us: number; iters: number } {
  for (let i = 0; i < WARMUP_ITERS; i++) once();
  let iters = 0;
  const t0 = performance.now();
  const deadline = t0 + bounds.timeMs;
  for (;;) {
    once();
    iters++;
    if ((iters & 15) === 0 && (iters >= bounds.maxIter || performance.now() >= deadline)) break;
  }
  return { us: ((performance.now() - t0) * 1000) / iters, iters };
}

function refusal(err: unknown): { refused: string } {
  if (err instanceof NbioError && (err.code === 'NBIO_FD_TOO_LARGE' || err.code === 'NBIO_UNSUPPORTED')) {
    return { refused: `${err.code}: ${err.message}` };
  }
  throw err;
}

/** `selector.select(0)` over `fds` (Readable interest) on a fresh selector of `backend`. */
export function measureSelector(backend: SelectorName, fds: readonly number[], bounds: Bounds): Measurement {
  const sel = createSelector<number>(backend);
  try {
    try {
      for (const fd of fds) sel.register(fd, Interest.Readable, fd);
    } catch (err) {
      return refusal(err);
    }
    const events = sel.select(0).length;
    return { ...timed(() => sel.select(0), bounds), events };
  } finally {
    sel.close();
  }
}

/**
 * `loop.runOnce(0)` with a no-op reader on each of `fds`. The loop is made once, before the
 * socketpairs exist (its waker must get a descriptor below 1024 for the select backend), and
 * the readers are removed again afterwards.
 */
export function measureLoop(loop: EventLoop, fds: readonly number[], bounds: Bounds): Measurement {
  const noop = () => {};
  try {
    try {
      for (const fd of fds) loop.addReader(fd, noop);
    } catch (err) {
      return refusal(err);
    }
    const before = loop.stats().ioCallbacks;
    loop.runOnce(0);
    const events = loop.stats().ioCallbacks - before;
    return { ...timed(() => loop.runOnce(0), bounds), events };
  } finally {
    for (const fd of fds) loop.removeReader(fd);
  }
}

// The floor: libc's epoll through koffi, nothing else (Linux).
const koffi: typeof KoffiModule = createRequire(import.meta.url)('koffi');
type BareEpoll = Record<'create1' | 'ctl' | 'wait' | 'close', ReturnType<KoffiModule.LibraryHandle['func']>>;
let bare: BareEpoll | null = null;
const EPOLLIN = 1;
const EPOLL_CTL_ADD = 1;
const EPOLL_CLOEXEC = 0o2000000;
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_OFFSET = process.arch === 'x64' ? 4 : 8;
const MAX_EVENTS = 256;

/** `epoll_wait(ep, events, 256, 0)` through koffi over `fds`: the cost of the syscall alone. */
export function measureBareEpoll(fds: readonly number[], bounds: Bounds): Measurement {
  if (bare === null) {
    const libc = koffi.load('libc.so.6');
    bare = {
      create1: libc.func('int epoll_create1(int flags)'),
      ctl: libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
      wait: libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
      close: libc.func('int close(int fd)'),
    };
  }
  const c = bare;
  const ep = c.create1(EPOLL_CLOEXEC) as number;
  if (ep < 0) throw new Error(`epoll_create1 failed: errno ${koffi.errno()}`);
  try {
    const ev = Buffer.alloc(16);
    for (const fd of fds) {
      ev.writeUInt32LE(EPOLLIN, 0);
      ev.writeInt32LE(fd, DATA_OFFSET);
      if (c.ctl(ep, EPOLL_CTL_ADD, fd, ev) !== 0)
        throw new Error(`epoll_ctl(${fd}) failed: errno ${koffi.errno()}`);
    }
    const out = Buffer.alloc(MAX_EVENTS * EVENT_SIZE);
    const events = c.wait(ep, out, MAX_EVENTS, 0) as number;
    return { ...timed(() => c.wait(ep, out, MAX_EVENTS, 0), bounds), events };
  } finally {
    c.close(ep);
  }
}
