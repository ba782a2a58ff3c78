/**
 * The epoll backend (Linux). The kernel keeps the interest set, so a wait costs O(ready), not
 * O(registered), and the epoll fd itself is readable when events are pending: libuv can watch
 * it, which is what guest mode does. Kernel facts it relies on: docs/backends/epoll.md.
 *
 * @module
 */
import { sys } from '../sys/constants.ts';
import * as epoll from '../sys/epoll.ts';
import { EBADF, EEXIST, ENOENT } from '../sys/errno.ts';
import { close } from '../sys/fd.ts';
import { BaseSelector, type Registration, timeoutToMs } from './registrations.ts';
import { Interest, type SelectorCapabilities, type Token } from './selector.ts';

/**
 * Events returned by one epoll_wait. 1024 × 12 bytes fits in L1-adjacent memory; a busier
 * loop simply gets the rest on the next (zero-timeout) wait, as libuv's 1024 does.
 */
const MAX_EVENTS = 1024;

function toEpoll(interest: Interest): number {
  let ev = 0;
  if (interest & Interest.Readable) ev |= sys.EPOLLIN | sys.EPOLLRDHUP;
  if (interest & Interest.Writable) ev |= sys.EPOLLOUT;
  if (interest & Interest.Edge) ev |= sys.EPOLLET;
  if (interest & Interest.OneShot) ev |= sys.EPOLLONESHOT;
  return ev;
}

/** Readiness through epoll(7). Level-triggered by default; Edge and OneShot on request. */
export class EpollSelector<T = Token> extends BaseSelector<T> {
  readonly capabilities: SelectorCapabilities;
  readonly #epfd: number;
  readonly #events = new epoll.EpollEvents(MAX_EVENTS);

  /** True on Linux. */
  static readonly available: boolean = epoll.available;

  constructor() {
    super();
    this.#epfd = epoll.create1();
    this.capabilities = Object.freeze({
      name: 'epoll',
      maxFd: Number.POSITIVE_INFINITY,
      kernelInterestSet: true,
      pollableFd: this.#epfd,
      triggers: Object.freeze(['level', 'edge', 'oneshot'] as const),
      idleCost: 'O(1)',
      syscall: 'epoll_wait',
    });
  }

  /**
   * epoll watches open file *descriptions*, not fd numbers: an fd closed while registered
   * vanishes from the set without a trace (unless a dup() keeps the description alive). If the
   * number comes back and is registered again, ADD succeeds, which proves the old entry stale.
   */
  protected override replaceStale(fd: number): boolean {
    const reg = this.registrations.get(fd)!;
    if (epoll.ctl(this.#epfd, sys.EPOLL_CTL_ADD, fd, toEpoll(reg.interest), [EEXIST]) === EEXIST) {
      return false;
    }
    epoll.ctl(this.#epfd, sys.EPOLL_CTL_DEL, fd, 0, [ENOENT, EBADF]);
    this.registrations.delete(fd);
    return true;
  }

  protected override get kernelChecksFd(): boolean {
    return true;
  }

  protected kernelAdd(reg: Registration<T>): void {
    const failed = epoll.ctl(this.#epfd, sys.EPOLL_CTL_ADD, reg.fd, toEpoll(reg.interest), [EBADF]);
    if (failed === EBADF) throw this.notOpen(reg.fd);
  }

  protected kernelModify(reg: Registration<T>): void {
    epoll.ctl(this.#epfd, sys.EPOLL_CTL_MOD, reg.fd, toEpoll(reg.interest));
  }

  protected kernelRemove(reg: Registration<T>): void {
    // ENOENT/EBADF: the fd was closed (and so left the set) before it was unregistered.
    epoll.ctl(this.#epfd, sys.EPOLL_CTL_DEL, reg.fd, 0, [ENOENT, EBADF]);
  }

  protected kernelWait(timeoutMs: number | null): void {
    const ev = this.#events;
    const n = epoll.wait(this.#epfd, ev, timeoutToMs(timeoutMs));
    for (let i = 0; i < n; i++) {
      const reg = this.registrations.get(ev.fd(i));
      if (reg === undefined) continue; // unregistered by a callback of this same batch
      const e = ev.events(i);
      const ready = BaseSelector.readyBits(
        reg.interest,
        (e & (sys.EPOLLIN | sys.EPOLLRDHUP)) !== 0,
        (e & sys.EPOLLOUT) !== 0,
        (e & sys.EPOLLERR) !== 0,
        (e & sys.EPOLLHUP) !== 0,
      );
      if (ready !== 0) this.emit(reg, ready);
    }
  }

  protected kernelClose(): void {
    close(this.#epfd);
  }
}
