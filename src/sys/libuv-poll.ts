/**
 * A libuv poll watch made by nbio itself: `uv_poll_init_socket` and `uv_poll_start` on this
 * thread's Node loop, called through koffi from the node binary's own exports (`koffi.load(null)`),
 * with one `koffi.register`ed C callback shared by every watch of the thread. This is the
 * guest-mode wake path (`src/sys/uv-poll.ts` picks it wherever it binds).
 *
 * Why not `koffi.node.poll`, which does the same: its callback builds a fresh
 * `{ readable, writable, disconnect }` object per wake, setting three named properties from C
 * strings (each an internalized-string lookup in V8), before it calls JS. Measured on the
 * guest-mode wake path (`bench/guest-wake.ts`, hot, alternating in one process, medians of 7
 * rounds): 6.28 µs of CPU per wake with `koffi.node.poll`, 5.41 µs with this, 0.9 µs (14%) less.
 *
 * Facts it relies on (checked by `uv-poll.test.ts`, which tests this through `UvPoll`):
 * - the loop is the one Node runs this thread on: `napi_get_uv_event_loop(koffi.node.env)` (koffi
 *   exposes the thread's `napi_env`), which is `uv_default_loop()` on the main thread and the
 *   worker's own loop in a worker; where binding fails, `UvPoll` keeps `koffi.node.poll`;
 * - koffi runs a registered callback that libuv calls on the JS thread outside any JS call
 *   (koffi ≥ 2.7.4: "callbacks happening on main thread but outside JS call");
 * - `UV_POLL` is 8 in `uv_handle_type` (checked at load with `uv_handle_type_name(8) === 'poll'`);
 * - the handle's memory (`uv_handle_size(UV_POLL)` bytes from `koffi.alloc`) must outlive
 *   `uv_close` until its close callback runs, which frees it;
 * - a callback that libuv calls is not inside any JS call: an exception escaping it would have
 *   nowhere to go, so it is rethrown on the next tick (an `uncaughtException`, as Node's own
 *   handles report theirs). Microtasks and nextTicks queued by it run before libuv moves on
 *   (checked by `src/loop/guest-mode.test.ts`).
 *
 * @module
 */
import { koffi, osName } from './binding.ts';

/** `UV_POLL` in libuv's `uv_handle_type`. */
const UV_POLL = 8;
/** `UV_READABLE` in libuv's `uv_poll_event`. */
const UV_READABLE = 1;

type Fn = (...args: unknown[]) => unknown;

interface LibuvApi {
  loop: unknown;
  handleSize: number;
  init: Fn;
  start: Fn;
  stop: Fn;
  close: Fn;
  ref: Fn;
  unref: Fn;
  pollCallback: unknown;
  closeCallback: unknown;
}

/** Callbacks of the open watches, by the address of their `uv_poll_t`. */
const watches = new Map<number, (status: number) => void>();
/** Closed handles' memory, by address, until libuv's close callback frees it. */
const closing = new Map<number, unknown>();

function onPoll(address: number, status: number): void {
  const callback = watches.get(address);
  if (callback === undefined) return;
  try {
    callback(status);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

function onClosed(address: number): void {
  const memory = closing.get(address);
  closing.delete(address);
  if (memory !== undefined) koffi.free(memory);
}

/** Binds libuv's poll functions from the node binary, or says why it cannot. */
function bind(): LibuvApi | string {
  if (osName !== 'linux' && osName !== 'darwin' && osName !== 'freebsd') return 'unsupported OS';
  try {
    const node = koffi.load(null as unknown as string);
    const typeName = node.func('const char *uv_handle_type_name(int type)') as Fn;
    if (typeName(UV_POLL) !== 'poll') return `uv_handle_type ${UV_POLL} is not 'poll' in this libuv`;
    const pollProto = koffi.proto('void nbio_uv_poll_cb(uintptr_t handle, int status, int events)');
    const closeProto = koffi.proto('void nbio_uv_close_cb(uintptr_t handle)');
    const getLoop = node.func('int napi_get_uv_event_loop(void *env, _Out_ void **loop)') as Fn;
    const loop: unknown[] = [null];
    if (getLoop(koffi.node.env, loop) !== 0 || loop[0] === null) return 'napi_get_uv_event_loop failed';
    return {
      loop: loop[0],
      handleSize: Number((node.func('size_t uv_handle_size(int type)') as Fn)(UV_POLL)),
      init: node.func('int uv_poll_init_socket(void *loop, void *handle, int fd)') as Fn,
      start: node.func('int uv_poll_start(void *handle, int events, void *cb)') as Fn,
      stop: node.func('int uv_poll_stop(void *handle)') as Fn,
      close: node.func('void uv_close(void *handle, void *cb)') as Fn,
      ref: node.func('void uv_ref(void *handle)') as Fn,
      unref: node.func('void uv_unref(void *handle)') as Fn,
      pollCallback: koffi.register(onPoll, koffi.pointer(pollProto)),
      closeCallback: koffi.register(onClosed, koffi.pointer(closeProto)),
    };
  } catch (err) {
    return `libuv's poll functions could not be bound: ${(err as Error).message}`;
  }
}

let api: LibuvApi | string | null = null;

function libuv(): LibuvApi | string {
  api ??= bind();
  return api;
}

/** Whether {@link LibuvPoll} works in this thread (see the module comment). */
export function libuvPollAvailable(): boolean {
  return typeof libuv() !== 'string';
}

/** Why {@link LibuvPoll} is not available here, or null when it is. */
export function libuvPollUnavailableReason(): string | null {
  const a = libuv();
  return typeof a === 'string' ? a : null;
}

/**
 * One libuv poll watch for readability on this thread's Node loop. The caller (`UvPoll`) checks the fd
 * first: a closed or already-watched fd aborts the process.
 */
export class LibuvPoll {
  readonly #api: LibuvApi;
  readonly #memory: unknown;
  readonly #address: number;
  #open = true;

  /**
   * Starts watching `fd`; `callback(status)` runs on every wake (`status` < 0: a libuv error).
   * @throws Error when libuv is not reachable here or refuses the fd
   */
  constructor(fd: number, callback: (status: number) => void) {
    const api = libuv();
    if (typeof api === 'string') throw new Error(`Cannot watch fd ${fd} through libuv directly: ${api}.`);
    this.#api = api;
    this.#memory = koffi.alloc('uint8_t', api.handleSize);
    this.#address = Number(koffi.address(this.#memory));
    const r = api.init(api.loop, this.#memory, fd) as number;
    if (r !== 0) {
      koffi.free(this.#memory);
      throw new Error(`Cannot watch fd ${fd} with libuv: uv_poll_init_socket returned ${r}.`);
    }
    const s = api.start(this.#memory, UV_READABLE, api.pollCallback) as number;
    if (s !== 0) {
      this.#open = false;
      closing.set(this.#address, this.#memory);
      api.close(this.#memory, api.closeCallback);
      throw new Error(`Cannot watch fd ${fd} with libuv: uv_poll_start returned ${s}.`);
    }
    watches.set(this.#address, callback);
  }

  /** Keeps the process alive while the watch is active (libuv's `uv_ref`). */
  ref(): void {
    if (this.#open) this.#api.ref(this.#memory);
  }

  /** Lets the process exit while this is the only handle left (libuv's `uv_unref`). */
  unref(): void {
    if (this.#open) this.#api.unref(this.#memory);
  }

  /** Stops the watch and closes the handle; its memory is freed by libuv's close callback. Idempotent. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#api.stop(this.#memory);
    watches.delete(this.#address);
    closing.set(this.#address, this.#memory);
    this.#api.close(this.#memory, this.#api.closeCallback);
  }
}
