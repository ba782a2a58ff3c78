/**
 * `nbio/sys`: the system calls under nbio, for programs that drive descriptors by hand, the way
 * `examples/echo-callbacks.ts` does with `loop.addReader`. This is L0: thin wrappers that
 * mirror the man pages (`man 2 accept`), would-block as the value `fd.WOULD_BLOCK` (−1), every
 * other failure an {@link OsError} with `errno`, `code` and `syscall`. Sockets are created
 * non-blocking and close-on-exec. Everything above (transports, servers, streams) is in `nbio`.
 *
 * @example
 * ```ts
 * import { fd, socket, sys } from 'nbio/sys';
 * const listener = socket.socket(sys.AF_INET, 'stream');
 * socket.bind(listener, { family: 'ipv4', address: '127.0.0.1', port: 0 });
 * socket.listen(listener, 128);
 * const conn = socket.accept(listener); // fd.WOULD_BLOCK until a client connects
 * fd.close(listener);
 * ```
 *
 * @module
 */
export { type SysConstants, sys } from './constants.ts';
export { OsError } from './errno.ts';
/** `read`/`write`/`readv`/`writev`/`close`/`fcntl`/`pipe`/`eventfd`/`dup`, and `WOULD_BLOCK`. */
export * as fd from './fd.ts';
/** The two every hand-written loop needs, also in `fd`. */
export { close, WOULD_BLOCK } from './fd.ts';
/** `socket`/`bind`/`listen`/`accept`/`connect`/`send`/`recv`/`sendto`/`recvfrom`/`shutdown` …, and `describe(address)`. */
export * as socket from './socket.ts';
