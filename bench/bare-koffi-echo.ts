/**
 * The floor nbio's layers stand on: a bare epoll echo loop through koffi, with no nbio code at
 * all. The few libc functions it needs are declared right here; it runs as a guest of Node's
 * loop the way docs/design.md describes (libuv watches the epoll fd through `koffi.node.poll`, each
 * wake runs one `epoll_wait(…, 0)` and dispatches). `nbio echo` should come within 5% of it.
 *
 * Linux only (x86_64 packs `struct epoll_event` into 12 bytes; other architectures use 16).
 *
 * usage: node --import tsx bench/bare-koffi-echo.ts --port N [--host 127.0.0.1]
 * Prints "listening on <host>:<port>"; stops on SIGINT/SIGTERM.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';

const koffi: typeof KoffiModule = createRequire(import.meta.url)('koffi');
const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int domain, int type, int protocol)');
const setsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)');
const bind = libc.func('int bind(int fd, const void *addr, uint32_t len)');
const listen = libc.func('int listen(int fd, int backlog)');
const getsockname = libc.func('int getsockname(int fd, void *addr, void *len)');
const accept4 = libc.func('int accept4(int fd, void *addr, void *len, int flags)');
const recv = libc.func('intptr_t recv(int fd, void *buf, size_t len, int flags)');
const send = libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)');
const close = libc.func('int close(int fd)');
const epollCreate1 = libc.func('int epoll_create1(int flags)');
const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)');
const epollWait = libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');

// Linux constants (asm-generic; the same on x86_64 and arm64).
const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const MSG_NOSIGNAL = 0x4000;
const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const EAGAIN = 11;
const EINTR = 4;

const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_OFFSET = process.arch === 'x64' ? 4 : 8;
const MAX_EVENTS = 256;
const READ_BUF = 64 * 1024;
/** Accepts per wake at most (the listener stays readable for the rest). */
const ACCEPT_BURST = 128;

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return (i >= 0 ? argv[i + 1] : undefined) ?? fallback;
};
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '0'));

const one = new Int32Array([1]);
const ctlEvent = Buffer.alloc(16);
function ctl(ep: number, op: number, fd: number, events: number): void {
  ctlEvent.writeUInt32LE(events, 0);
  ctlEvent.writeInt32LE(fd, DATA_OFFSET);
  if (epollCtl(ep, op, fd, ctlEvent) !== 0) throw new Error(`epoll_ctl: errno ${koffi.errno()}`);
}

const lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, one, 4);
const sa = Buffer.alloc(16);
sa.writeUInt16LE(AF_INET, 0);
sa.writeUInt16BE(port, 2);
for (const [i, b] of host.split('.').entries()) sa.writeUInt8(Number(b), 4 + i);
if (bind(lfd, sa, 16) !== 0 || listen(lfd, 4096) !== 0) {
  console.error(`bare-koffi-echo: cannot listen on ${host}:${port} (errno ${koffi.errno()})`);
  process.exit(1);
}
getsockname(lfd, sa, new Uint32Array([16]));
const ep = epollCreate1(SOCK_CLOEXEC);
ctl(ep, EPOLL_CTL_ADD, lfd, EPOLLIN);

/** Bytes the socket did not take, per fd; the fd is not read until they are gone. */
const pending = new Map<number, Buffer>();
const buf = Buffer.alloc(READ_BUF);
const events = Buffer.alloc(MAX_EVENTS * EVENT_SIZE);

function drop(fd: number): void {
  epollCtl(ep, EPOLL_CTL_DEL, fd, ctlEvent);
  close(fd);
  pending.delete(fd);
}

function onReadable(fd: number): void {
  for (;;) {
    const n = Number(recv(fd, buf, READ_BUF, 0));
    if (n === 0) {
      drop(fd);
      return;
    }
    if (n < 0) {
      const errno = koffi.errno();
      if (errno === EINTR) continue;
      if (errno !== EAGAIN) drop(fd);
      return;
    }
    let w = Number(send(fd, buf, n, MSG_NOSIGNAL));
    if (w < 0) {
      if (koffi.errno() !== EAGAIN) {
        drop(fd);
        return;
      }
      w = 0;
    }
    if (w < n) {
      pending.set(fd, Buffer.from(buf.subarray(w, n)));
      ctl(ep, EPOLL_CTL_MOD, fd, EPOLLOUT);
      return;
    }
    if (n < READ_BUF) return;
  }
}

function onWritable(fd: number): void {
  const p = pending.get(fd);
  if (p === undefined) {
    ctl(ep, EPOLL_CTL_MOD, fd, EPOLLIN);
    return;
  }
  const w = Number(send(fd, p, p.length, MSG_NOSIGNAL));
  if (w < 0) {
    if (koffi.errno() !== EAGAIN) drop(fd);
    return;
  }
  if (w < p.length) pending.set(fd, p.subarray(w));
  else {
    pending.delete(fd);
    ctl(ep, EPOLL_CTL_MOD, fd, EPOLLIN);
  }
}

/** One iteration: everything epoll has now, dispatched; then back to libuv. */
function tick(): void {
  const n = epollWait(ep, events, MAX_EVENTS, 0);
  for (let i = 0; i < n; i++) {
    const off = i * EVENT_SIZE;
    const ev = events.readUInt32LE(off);
    const fd = events.readInt32LE(off + DATA_OFFSET);
    if (fd === lfd) {
      for (let k = 0; k < ACCEPT_BURST; k++) {
        const cfd = accept4(lfd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) break;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, one, 4);
        ctl(ep, EPOLL_CTL_ADD, cfd, EPOLLIN);
      }
    } else if (ev & EPOLLOUT) onWritable(fd);
    else onReadable(fd);
  }
}

interface PollHandle {
  stop(): void;
  close(): void;
}
type NodePoll = (fd: number, opts: { readable: boolean }, cb: (status: number) => void) => PollHandle;
// Keep the handle referenced: a collected handle silently stops polling (docs/design.md, "koffi facts").
const handle = (koffi.node.poll as unknown as NodePoll)(ep, { readable: true }, tick);

console.log(`listening on ${host}:${sa.readUInt16BE(2)}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    handle.stop();
    handle.close();
    close(ep);
    close(lfd);
    process.exit(0);
  });
}
