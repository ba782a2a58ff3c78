/**
 * Asking libuv (Node's own loop) to watch one descriptor. This is how nbio runs as a guest of
 * Node: libuv watches the fd that stands for nbio's whole interest set (the epoll or kqueue fd)
 * and calls back when it is readable. The watch is nbio's own `uv_poll_t` on the thread's Node
 * loop (`src/sys/libuv-poll.ts`: about 0.9 µs less per wake than `koffi.node.poll`, which builds
 * an events object per call); `koffi.node.poll` only where that cannot be bound.
 * The callback gets the same `(status, events)` either way; `events` is then one frozen object.
 *
 * Two facts learned the hard way (docs/design.md, "koffi facts"): polling a closed, invalid or
 * already-polled fd aborts the process (a FATAL ERROR, not an exception), so the fd is checked
 * first and each fd is watched at most once; and the handle must stay referenced from JS, or it
 * is garbage-collected and polling silently stops. koffi's `index.d.ts` declares the callback
 * as `(ev) => void`, but it really receives `(status, events)`: the local type says so.
 *
 * @module
 */
import { koffi } from './binding.ts';
import { isOpen } from './fd.ts';
import { LibuvPoll, libuvPollAvailable } from './libuv-poll.ts';

/** What libuv reports for a watched fd. */
export interface UvPollEvents {
  readable: boolean;
  writable: boolean;
  disconnect: boolean;
}

/** The callback libuv calls: `status` < 0 is a libuv error code. */
export type UvPollCallback = (status: number, events: UvPollEvents) => void;

interface KoffiPollHandle {
  start(opts: { readable?: boolean }, cb: UvPollCallback): void;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
}

type KoffiPoll = (fd: number, opts: { readable?: boolean }, cb: UvPollCallback) => KoffiPollHandle;

/** How a watch reaches libuv: nbio's own `uv_poll_t`, or `koffi.node.poll`'s. */
export type UvPollVia = 'libuv' | 'koffi';

/** What the direct watch reports: it watches readability only, so every wake is this. */
const READABLE: UvPollEvents = Object.freeze({ readable: true, writable: false, disconnect: false });

/** fds being watched now: a second watch of one fd would abort the process. */
const watched = new Set<number>();

/** A libuv poll watch on one fd. Keep it referenced; `close()` it before closing the fd. */
export class UvPoll {
  readonly #fd: number;
  #handle: KoffiPollHandle | LibuvPoll | null;
  /** How this watch reaches libuv. */
  readonly via: UvPollVia;

  /**
   * Starts watching `fd` for readability.
   * @param via `'libuv'` (the default wherever it binds) or `'koffi'`
   * @throws Error when `fd` is not open or is already watched (instead of aborting the process)
   */
  constructor(fd: number, callback: UvPollCallback, via: UvPollVia = UvPoll.defaultVia()) {
    if (!isOpen(fd)) throw new Error(`Cannot watch fd ${fd} with libuv: it is not open.`);
    if (watched.has(fd)) throw new Error(`Cannot watch fd ${fd} with libuv: it is already watched.`);
    this.#fd = fd;
    this.via = via;
    this.#handle =
      via === 'libuv'
        ? new LibuvPoll(fd, (status) => callback(status, READABLE))
        : (koffi.node.poll as unknown as KoffiPoll)(fd, { readable: true }, callback);
    watched.add(fd);
  }

  /** `'libuv'` where nbio can make its own `uv_poll_t` (main thread and workers), else `'koffi'`. */
  static defaultVia(): UvPollVia {
    return libuvPollAvailable() ? 'libuv' : 'koffi';
  }

  /** Lets the process exit while this watch is the only thing left (Node's `unref`). */
  unref(): void {
    this.#handle?.unref();
  }

  /** Keeps the process alive while this watch is active (the default). */
  ref(): void {
    this.#handle?.ref();
  }

  /** Stops and releases the watch. Idempotent. Call before closing the fd. */
  close(): void {
    if (this.#handle === null) return;
    if (!(this.#handle instanceof LibuvPoll)) this.#handle.stop(); // LibuvPoll.close() stops first
    this.#handle.close();
    this.#handle = null;
    watched.delete(this.#fd);
  }
}
