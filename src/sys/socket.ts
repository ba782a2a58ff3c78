/**
 * Socket calls: socket(2), socketpair(2), bind(2), listen(2), accept4(2), connect(2),
 * getsockopt/setsockopt(2), getsockname/getpeername(2), recv/send(2), recvfrom/sendto(2),
 * shutdown(2). Every socket nbio creates is non-blocking and close-on-exec from birth
 * (SOCK_NONBLOCK|SOCK_CLOEXEC where the OS has them, fcntl otherwise).
 *
 * Would-block is {@link WOULD_BLOCK}, not an exception; `connect` reports EINPROGRESS as
 * `'in-progress'`. Every other failure is an {@link OsError}.
 *
 * @module
 */
import { lastErrno, libc, osName } from './binding.ts';
import { sys } from './constants.ts';
import { EAGAIN, EINPROGRESS, EINTR, EWOULDBLOCK, OsError } from './errno.ts';
import { close, setCloseOnExec, setNonBlocking, WOULD_BLOCK } from './fd.ts';
import { decodeSockaddr, encodeSockaddr, SOCKADDR_STORAGE_SIZE, type SocketAddress } from './sockaddr.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

export { WOULD_BLOCK } from './fd.ts';

const c = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  socketpair: libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
  bind: libc.func('int bind(int fd, const void *addr, uint32_t len)'),
  listen: libc.func('int listen(int fd, int backlog)'),
  accept4:
    osName === 'darwin' ? null : libc.func('int accept4(int fd, void *addr, void *addrlen, int flags)'),
  accept: libc.func('int accept(int fd, void *addr, void *addrlen)'),
  connect: libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, void *value, void *len)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
  getsockname: libc.func('int getsockname(int fd, void *addr, void *len)'),
  getpeername: libc.func('int getpeername(int fd, void *addr, void *len)'),
  recv: libc.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
  send: libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
  recvfrom: libc.func(
    'intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *addrlen)',
  ),
  sendto: libc.func(
    'intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
  ),
  shutdown: libc.func('int shutdown(int fd, int how)'),
};

/** Socket kinds nbio creates. */
export type SocketType = 'stream' | 'dgram';

/** Flags for send(): never raise SIGPIPE (MSG_NOSIGNAL; macOS uses SO_NOSIGPIPE instead). */
const SEND_FLAGS = osName === 'darwin' ? 0 : sys.MSG_NOSIGNAL;

function typeBits(type: SocketType): number {
  return type === 'stream' ? sys.SOCK_STREAM : sys.SOCK_DGRAM;
}

function afterCreate(fd: number): void {
  if (sys.SOCK_NONBLOCK < 0) {
    setNonBlocking(fd);
    setCloseOnExec(fd);
  }
  if (sys.SO_NOSIGPIPE > 0 && osName === 'darwin') setIntOption(fd, sys.SOL_SOCKET, sys.SO_NOSIGPIPE, 1);
}

function createFlags(): number {
  return sys.SOCK_NONBLOCK < 0 ? 0 : sys.SOCK_NONBLOCK | sys.SOCK_CLOEXEC;
}

/**
 * socket(2): a new non-blocking, close-on-exec socket.
 * @param family AF_INET, AF_INET6 or AF_UNIX (see `sys`)
 * @throws OsError (EMFILE when out of descriptors, EAFNOSUPPORT …)
 */
export function socket(family: number, type: SocketType): number {
  const fd = c.socket(family, typeBits(type) | createFlags(), 0);
  if (fd < 0) throw new OsError('socket', lastErrno());
  try {
    afterCreate(fd);
  } catch (err) {
    close(fd);
    throw err;
  }
  return fd;
}

/**
 * socketpair(2): two connected non-blocking sockets (AF_UNIX).
 * @returns [a, b]
 */
export function socketpair(type: SocketType = 'stream'): [number, number] {
  const sv = new Int32Array(2);
  if (c.socketpair(sys.AF_UNIX, typeBits(type) | createFlags(), 0, sv) !== 0) {
    throw new OsError('socketpair', lastErrno());
  }
  const a = sv[0]!; // an Int32Array(2)
  const b = sv[1]!;
  try {
    afterCreate(a);
    afterCreate(b);
  } catch (err) {
    close(a);
    close(b);
    throw err;
  }
  return [a, b];
}

/** bind(2). @throws OsError (EADDRINUSE, EACCES, EADDRNOTAVAIL …) */
export function bind(fd: number, addr: SocketAddress): void {
  const sa = encodeSockaddr(addr);
  if (c.bind(fd, sa, sa.length) !== 0) throw new OsError('bind', lastErrno(), describe(addr));
}

/** listen(2). */
export function listen(fd: number, backlog: number): void {
  if (c.listen(fd, backlog) !== 0) throw new OsError('listen', lastErrno(), `fd ${fd}`);
}

const acceptAddr = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const acceptLen = new Uint32Array(1);

/**
 * accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC (accept + fcntl on macOS). Does not decode the
 * peer address: ask `getpeername` when you need it.
 * @returns the new fd, or {@link WOULD_BLOCK} when no connection is waiting
 * @throws OsError (EMFILE/ENFILE when out of descriptors, ECONNABORTED …)
 */
export function accept(fd: number): number {
  for (;;) {
    acceptLen[0] = SOCKADDR_STORAGE_SIZE;
    const r =
      c.accept4 !== null
        ? c.accept4(fd, acceptAddr, acceptLen, sys.SOCK_NONBLOCK | sys.SOCK_CLOEXEC)
        : c.accept(fd, acceptAddr, acceptLen);
    if (syscallCounter.on) countSyscall(Sc.accept);
    if (r >= 0) {
      if (c.accept4 === null) afterCreate(r);
      return r;
    }
    const errno = lastErrno();
    if (errno === EINTR) continue;
    if (errno === EAGAIN || errno === EWOULDBLOCK) return WOULD_BLOCK;
    throw new OsError(c.accept4 !== null ? 'accept4' : 'accept', errno, `fd ${fd}`);
  }
}

/**
 * connect(2) on a non-blocking socket.
 * @returns `'connected'` (loopback and Unix sockets can finish at once) or `'in-progress'`
 *   (wait for writability, then read {@link getSocketError})
 * @throws OsError (ECONNREFUSED for a Unix path nobody listens on, ENETUNREACH …)
 */
export function connect(fd: number, addr: SocketAddress): 'connected' | 'in-progress' {
  const sa = encodeSockaddr(addr);
  if (syscallCounter.on) countSyscall(Sc.connect);
  if (c.connect(fd, sa, sa.length) === 0) return 'connected';
  const errno = lastErrno();
  // EINTR: the connection goes on asynchronously, exactly as with EINPROGRESS.
  if (errno === EINPROGRESS || errno === EINTR) return 'in-progress';
  if (errno === EAGAIN && addr.family === 'unix') {
    // Linux: a Unix listener whose backlog is full refuses a non-blocking connect with EAGAIN.
    throw new OsError('connect', errno, `${describe(addr)}: listener backlog full`);
  }
  throw new OsError('connect', errno, describe(addr));
}

const intOpt = new Int32Array(1);
const intOptLen = new Uint32Array(1);

/** getsockopt(2) of an int-valued option. */
export function getIntOption(fd: number, level: number, name: number): number {
  intOptLen[0] = 4;
  if (c.getsockopt(fd, level, name, intOpt, intOptLen) !== 0) {
    throw new OsError('getsockopt', lastErrno(), `fd ${fd}`);
  }
  return intOpt[0]!; // an Int32Array(1)
}

const lingerOpt = new Int32Array(2);

/**
 * SO_LINGER with `l_onoff` 1 and `l_linger` 0: the next close(2) of `fd` drops what is unsent
 * and resets the connection (the peer gets an RST, ECONNRESET) instead of a graceful FIN.
 */
export function setLingerReset(fd: number): void {
  lingerOpt[0] = 1;
  lingerOpt[1] = 0;
  if (c.setsockopt(fd, sys.SOL_SOCKET, sys.SO_LINGER, lingerOpt, 8) !== 0) {
    throw new OsError('setsockopt', lastErrno(), `fd ${fd}`);
  }
}

/** setsockopt(2) of an int-valued option. */
export function setIntOption(fd: number, level: number, name: number, value: number): void {
  intOpt[0] = value;
  if (c.setsockopt(fd, level, name, intOpt, 4) !== 0) {
    throw new OsError('setsockopt', lastErrno(), `fd ${fd}`);
  }
}

/**
 * The pending error of a socket (getsockopt SO_ERROR), which also clears it. After a
 * non-blocking connect turns writable, 0 means connected; otherwise it is the errno.
 */
export function getSocketError(fd: number): number {
  return getIntOption(fd, sys.SOL_SOCKET, sys.SO_ERROR);
}

function nameOf(fn: typeof c.getsockname, syscall: string, fd: number): SocketAddress | null {
  const buf = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
  const len = new Uint32Array([SOCKADDR_STORAGE_SIZE]);
  if (fn(fd, buf, len) !== 0) throw new OsError(syscall, lastErrno(), `fd ${fd}`);
  return decodeSockaddr(buf, len[0]!);
}

/** getsockname(2): the local address of a socket. */
export function getsockname(fd: number): SocketAddress | null {
  return nameOf(c.getsockname, 'getsockname', fd);
}

/** getpeername(2): the remote address of a connected socket. @throws OsError (ENOTCONN) */
export function getpeername(fd: number): SocketAddress | null {
  return nameOf(c.getpeername, 'getpeername', fd);
}

/**
 * recv(2) into `buf[offset, offset+length)`.
 * @returns bytes received, 0 at end of stream, or {@link WOULD_BLOCK}
 * @throws OsError (ECONNRESET …)
 */
export function recv(fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset): number {
  for (;;) {
    const n = Number(c.recv(fd, offset === 0 ? buf : buf.subarray(offset), length, 0));
    if (syscallCounter.on) countSyscall(Sc.recv, n);
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === EINTR) continue;
    if (errno === EAGAIN || errno === EWOULDBLOCK) return WOULD_BLOCK;
    throw new OsError('recv', errno, `fd ${fd}`);
  }
}

/**
 * send(2) with MSG_NOSIGNAL: a closed peer gives EPIPE, never SIGPIPE.
 * @returns bytes sent (possibly fewer) or {@link WOULD_BLOCK}
 * @throws OsError (EPIPE, ECONNRESET …)
 */
export function send(fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset): number {
  for (;;) {
    const n = Number(c.send(fd, offset === 0 ? buf : buf.subarray(offset), length, SEND_FLAGS));
    if (syscallCounter.on) countSyscall(Sc.send, n);
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === EINTR) continue;
    if (errno === EAGAIN || errno === EWOULDBLOCK) return WOULD_BLOCK;
    throw new OsError('send', errno, `fd ${fd}`);
  }
}

/** A datagram and where it came from. */
export interface Datagram {
  /** Bytes received into the caller's buffer. */
  bytes: number;
  /** The sender, or null for an unnamed Unix socket. */
  from: SocketAddress | null;
}

const fromAddr = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const fromLen = new Uint32Array(1);

/**
 * recvfrom(2): one datagram into `buf` (a longer one is truncated, as the kernel does).
 * @returns the datagram, or {@link WOULD_BLOCK}
 */
export function recvfrom(fd: number, buf: Uint8Array): Datagram | typeof WOULD_BLOCK {
  for (;;) {
    fromLen[0] = SOCKADDR_STORAGE_SIZE;
    const n = Number(c.recvfrom(fd, buf, buf.length, 0, fromAddr, fromLen));
    if (syscallCounter.on) countSyscall(Sc.recvfrom, n);
    if (n >= 0) {
      return { bytes: n, from: fromLen[0] > 0 ? decodeSockaddr(fromAddr, fromLen[0]) : null };
    }
    const errno = lastErrno();
    if (errno === EINTR) continue;
    if (errno === EAGAIN || errno === EWOULDBLOCK) return WOULD_BLOCK;
    throw new OsError('recvfrom', errno, `fd ${fd}`);
  }
}

/**
 * sendto(2): one datagram to `to`.
 * @returns bytes sent, or {@link WOULD_BLOCK} when the socket buffer is full
 */
export function sendto(fd: number, buf: Uint8Array, to: SocketAddress): number {
  const sa = encodeSockaddr(to);
  for (;;) {
    const n = Number(c.sendto(fd, buf, buf.length, SEND_FLAGS, sa, sa.length));
    if (syscallCounter.on) countSyscall(Sc.sendto, n);
    if (n >= 0) return n;
    const errno = lastErrno();
    if (errno === EINTR) continue;
    if (errno === EAGAIN || errno === EWOULDBLOCK) return WOULD_BLOCK;
    throw new OsError('sendto', errno, describe(to));
  }
}

/** shutdown(2). `how`: 'read', 'write' or 'both'. */
export function shutdown(fd: number, how: 'read' | 'write' | 'both'): void {
  const h = how === 'read' ? sys.SHUT_RD : how === 'write' ? sys.SHUT_WR : sys.SHUT_RDWR;
  if (c.shutdown(fd, h) !== 0) throw new OsError('shutdown', lastErrno(), `fd ${fd}`);
}

/** Human-readable form of an address, for messages: `127.0.0.1:8080`, `[::1]:80`, a path. */
export function describe(addr: SocketAddress): string {
  if (addr.family === 'unix') return addr.path || '(unnamed unix socket)';
  return addr.family === 'ipv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}
