/**
 * `new Socket({ fd })`: a compat socket over a descriptor someone else opened — a connected
 * stream socket (one end of a `socketpair`, an accepted or connected TCP socket). Node's checks
 * come first, in Node's order and with Node's errors: `fd` must be an int32 ≥ 0
 * (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`), then libuv's guess of its type decides — a
 * TCP or Unix stream socket is taken, anything else is a TypeError `ERR_INVALID_FD_TYPE`
 * (`Unsupported fd type: FILE`; a descriptor that is not open is `UNKNOWN`, as libuv's guess
 * says, not `EBADF`). A FIFO, which Node would take as a pipe, is refused (nbio's transports
 * move bytes with `send`/`recv`).
 *
 * The descriptor is made non-blocking and handed to an nbio transport, which owns it from then
 * on: it is closed exactly once, when the socket is destroyed (as Node's handle closes it).
 *
 * @module
 */
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { Protocol } from '../net/protocol.ts';
import { SocketTransport } from '../net/socket-transport.ts';
import type { Transport } from '../net/transport.ts';
import { UringTransport } from '../net/uring-transport.ts';
import { sys } from '../sys/constants.ts';
import { setNonBlocking } from '../sys/fd.ts';
import { getIntOption, getsockname } from '../sys/socket.ts';
import { invalidArgType, NodeRangeError, NodeTypeError } from './node-errors.ts';

/** What libuv's `uv_guess_handle` would call a descriptor (Node's `guessHandleType`). */
export type FdHandleType = 'TCP' | 'PIPE' | 'UDP' | 'FILE' | 'TTY' | 'UNKNOWN';

/** Its type, and whether it is a socket (libuv's `PIPE` is a Unix socket or a FIFO). */
export function guessFdType(fd: number): { type: FdHandleType; socket: boolean } {
  let stat: ReturnType<typeof fstatSync>;
  try {
    stat = fstatSync(fd);
  } catch {
    return { type: 'UNKNOWN', socket: false };
  }
  if (isatty(fd)) return { type: 'TTY', socket: false };
  if (stat.isFile() || stat.isCharacterDevice()) return { type: 'FILE', socket: false };
  if (stat.isFIFO()) return { type: 'PIPE', socket: false };
  if (!stat.isSocket()) return { type: 'UNKNOWN', socket: false };
  let kind: number;
  let family: string | undefined;
  try {
    kind = getIntOption(fd, sys.SOL_SOCKET, sys.SO_TYPE);
    family = getsockname(fd)?.family;
  } catch {
    return { type: 'UNKNOWN', socket: true };
  }
  const ip = family === 'ipv4' || family === 'ipv6';
  if (kind === sys.SOCK_STREAM) return { type: ip ? 'TCP' : 'PIPE', socket: true };
  if (kind === sys.SOCK_DGRAM && ip) return { type: 'UDP', socket: true };
  return { type: 'UNKNOWN', socket: true };
}

/**
 * Node's checks of `new net.Socket({ fd })`.
 * @throws NodeTypeError `ERR_INVALID_ARG_TYPE` for a non-number; NodeRangeError
 *   `ERR_OUT_OF_RANGE` for a non-integer or a number outside 0–2147483647; NodeTypeError
 *   `ERR_INVALID_FD_TYPE` for a descriptor that is no stream socket; InvalidArgumentError
 *   `NBIO_UNSUPPORTED` for a FIFO
 */
export function checkWrapFd(fd: unknown): number {
  if (typeof fd !== 'number') throw invalidArgType('fd', 'number', fd);
  if (!Number.isInteger(fd)) {
    throw new NodeRangeError(
      'ERR_OUT_OF_RANGE',
      `The value of "fd" is out of range. It must be an integer. Received ${fd}`,
      'Pass the descriptor as an integer.',
    );
  }
  if (fd < 0 || fd > 2 ** 31 - 1) {
    throw new NodeRangeError(
      'ERR_OUT_OF_RANGE',
      `The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received ${fd}`,
      'Pass an open descriptor (a non-negative integer).',
    );
  }
  const { type, socket } = guessFdType(fd);
  if (type === 'PIPE' && !socket) {
    throw new InvalidArgumentError(
      `fd ${fd} is a FIFO: a compat Socket wraps stream sockets only (nbio moves bytes with send/recv). Use node:net for pipes.`,
      'NBIO_UNSUPPORTED',
    );
  }
  if (type !== 'TCP' && type !== 'PIPE') {
    throw new NodeTypeError(
      'ERR_INVALID_FD_TYPE',
      `Unsupported fd type: ${type}`,
      `fd ${fd} is not a connected stream socket (TCP or Unix): pass one (e.g. from socketpair() or an accept).`,
    );
  }
  return fd;
}

/**
 * Makes `fd` non-blocking and the transport of `protocol` over it (the loop's kind: io_uring's
 * when the loop has a completion ring). The transport owns `fd` once this returns.
 * @throws OsError when the descriptor cannot be set up (then the caller still owns it)
 */
export function wrapFd(loop: EventLoop, fd: number, protocol: Protocol, noDelay: boolean): Transport {
  setNonBlocking(fd);
  return loop.completion !== null
    ? new UringTransport(loop, fd, protocol, { noDelay })
    : new SocketTransport(loop, fd, protocol, { noDelay });
}
