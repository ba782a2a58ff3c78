/**
 * OS constants and struct layouts, as data: one table per OS (and per architecture where a
 * layout differs). Values are from the system headers (`<sys/socket.h>`, `<fcntl.h>`,
 * `<sys/epoll.h>`, `<poll.h>`, `<sys/event.h>`). Everything else in `src/sys/` reads them from
 * `sys` below; no other file spells a number.
 *
 * @module
 */
import { arch, type OsName, osName } from './binding.ts';

/** The constants nbio uses, in their C spelling. `-1` marks a flag the OS does not have. */
export interface SysConstants {
  AF_UNIX: number;
  AF_INET: number;
  AF_INET6: number;
  SOCK_STREAM: number;
  SOCK_DGRAM: number;
  /** Flag to socket()/accept4(); -1 where the OS lacks it (macOS: use fcntl). */
  SOCK_NONBLOCK: number;
  SOCK_CLOEXEC: number;
  SOL_SOCKET: number;
  SO_REUSEADDR: number;
  SO_REUSEPORT: number;
  SO_KEEPALIVE: number;
  /** struct linger { int l_onoff; int l_linger; }: on with 0 makes close() send an RST. */
  SO_LINGER: number;
  SO_ERROR: number;
  /** getsockopt only: the socket's type (SOCK_STREAM, SOCK_DGRAM …). */
  SO_TYPE: number;
  SO_SNDBUF: number;
  SO_RCVBUF: number;
  /** macOS only: per-socket "no SIGPIPE" (Linux and FreeBSD use MSG_NOSIGNAL per call). */
  SO_NOSIGPIPE: number;
  IPPROTO_TCP: number;
  IPPROTO_IPV6: number;
  TCP_NODELAY: number;
  /** Seconds a connection is idle before keep-alive probes (macOS spells it TCP_KEEPALIVE). */
  TCP_KEEPIDLE: number;
  IPV6_V6ONLY: number;
  MSG_NOSIGNAL: number;
  MSG_DONTWAIT: number;
  SHUT_RD: number;
  SHUT_WR: number;
  SHUT_RDWR: number;
  F_GETFD: number;
  F_SETFD: number;
  F_GETFL: number;
  F_SETFL: number;
  FD_CLOEXEC: number;
  O_NONBLOCK: number;
  O_CLOEXEC: number;
  EFD_NONBLOCK: number;
  EFD_CLOEXEC: number;
  POLLIN: number;
  POLLPRI: number;
  POLLOUT: number;
  POLLERR: number;
  POLLHUP: number;
  POLLNVAL: number;
  EPOLL_CLOEXEC: number;
  EPOLL_CTL_ADD: number;
  EPOLL_CTL_DEL: number;
  EPOLL_CTL_MOD: number;
  EPOLLIN: number;
  EPOLLOUT: number;
  EPOLLERR: number;
  EPOLLHUP: number;
  EPOLLRDHUP: number;
  EPOLLONESHOT: number;
  EPOLLET: number;
  RLIMIT_NOFILE: number;
  /** FD_SETSIZE: the number of bits in an fd_set; select() cannot watch an fd at or past it. */
  FD_SETSIZE: number;
  /** sockaddr has a leading length byte (BSD family) rather than a 16-bit family. */
  SOCKADDR_HAS_LEN: boolean;
  SOCKADDR_UN_PATH_MAX: number;
  /** sizeof(struct epoll_event): 12 (packed) on x86_64, 16 on arm64 and others. */
  EPOLL_EVENT_SIZE: number;
  /** offsetof(struct epoll_event, data). */
  EPOLL_DATA_OFFSET: number;
}

const linux: SysConstants = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_REUSEPORT: 15,
  SO_KEEPALIVE: 9,
  SO_LINGER: 13,
  SO_ERROR: 4,
  SO_TYPE: 3,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_NOSIGPIPE: -1,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  TCP_KEEPIDLE: 4,
  IPV6_V6ONLY: 26,
  MSG_NOSIGNAL: 0x4000,
  MSG_DONTWAIT: 0x40,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  EFD_NONBLOCK: 0o4000,
  EFD_CLOEXEC: 0o2000000,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  EPOLL_CLOEXEC: 0o2000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLLIN: 0x1,
  EPOLLOUT: 0x4,
  EPOLLERR: 0x8,
  EPOLLHUP: 0x10,
  EPOLLRDHUP: 0x2000,
  EPOLLONESHOT: 1 << 30,
  EPOLLET: 2 ** 31,
  RLIMIT_NOFILE: 7,
  FD_SETSIZE: 1024,
  SOCKADDR_HAS_LEN: false,
  SOCKADDR_UN_PATH_MAX: 108,
  // x86_64 declares struct epoll_event __attribute__((packed)); other architectures pad the
  // 64-bit data member to 8 bytes.
  EPOLL_EVENT_SIZE: arch === 'x64' ? 12 : 16,
  EPOLL_DATA_OFFSET: arch === 'x64' ? 4 : 8,
};

const bsdCommon = {
  AF_UNIX: 1,
  AF_INET: 2,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOL_SOCKET: 0xffff,
  SO_REUSEADDR: 0x4,
  SO_REUSEPORT: 0x200,
  SO_KEEPALIVE: 0x8,
  SO_LINGER: 0x80,
  SO_ERROR: 0x1007,
  SO_TYPE: 0x1008,
  SO_SNDBUF: 0x1001,
  SO_RCVBUF: 0x1002,
  IPPROTO_TCP: 6,
  IPPROTO_IPV6: 41,
  TCP_NODELAY: 1,
  MSG_DONTWAIT: 0x80,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  FD_CLOEXEC: 1,
  O_NONBLOCK: 0x4,
  EFD_NONBLOCK: -1,
  EFD_CLOEXEC: -1,
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
  EPOLL_CLOEXEC: -1,
  EPOLL_CTL_ADD: -1,
  EPOLL_CTL_DEL: -1,
  EPOLL_CTL_MOD: -1,
  EPOLLIN: -1,
  EPOLLOUT: -1,
  EPOLLERR: -1,
  EPOLLHUP: -1,
  EPOLLRDHUP: -1,
  EPOLLONESHOT: -1,
  EPOLLET: -1,
  RLIMIT_NOFILE: 8,
  FD_SETSIZE: 1024,
  SOCKADDR_HAS_LEN: true,
  SOCKADDR_UN_PATH_MAX: 104,
  EPOLL_EVENT_SIZE: 0,
  EPOLL_DATA_OFFSET: 0,
} as const;

const darwin: SysConstants = {
  ...bsdCommon,
  AF_INET6: 30,
  SOCK_NONBLOCK: -1,
  SOCK_CLOEXEC: -1,
  SO_NOSIGPIPE: 0x1022,
  TCP_KEEPIDLE: 0x10, // TCP_KEEPALIVE in <netinet/tcp.h>
  IPV6_V6ONLY: 27,
  MSG_NOSIGNAL: 0x80000,
  O_CLOEXEC: 0x1000000,
};

const freebsd: SysConstants = {
  ...bsdCommon,
  AF_INET6: 28,
  SOCK_NONBLOCK: 0x20000000,
  SOCK_CLOEXEC: 0x10000000,
  SO_NOSIGPIPE: 0x800,
  TCP_KEEPIDLE: 256,
  IPV6_V6ONLY: 27,
  MSG_NOSIGNAL: 0x20000,
  O_CLOEXEC: 0x100000,
};

/** Every table, by OS, so tests can check layouts for platforms other than this one. */
export const constantsByOs: Readonly<Record<OsName, SysConstants>> = { linux, darwin, freebsd };

/** The constants of the OS this process runs on. */
export const sys: Readonly<SysConstants> = constantsByOs[osName];
