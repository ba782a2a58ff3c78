/**
 * The select backend: the oldest interface, three FD_SETSIZE-bit bitmaps rebuilt for every
 * wait. It cannot watch an fd ≥ FD_SETSIZE (1024): such an fd is refused with
 * NBIO_FD_TOO_LARGE *before* the bitmap is touched (writing that bit would corrupt memory in
 * C). A wait costs O(highest fd). Kernel facts: docs/backends/select.md.
 *
 * @module
 */
import { sys } from '../sys/constants.ts';
import { EBADF, OsError } from '../sys/errno.ts';
import { isOpen } from '../sys/fd.ts';
import { FdSet, select } from '../sys/select.ts';
import { BaseSelector, type Registration } from './registrations.ts';
import { Interest, Ready, type SelectorCapabilities, type Token } from './selector.ts';

/** Readiness through select(2). Level-triggered only; fds < 1024; runs in owner mode. */
export class SelectSelector<T = Token> extends BaseSelector<T> {
  readonly capabilities: SelectorCapabilities = Object.freeze({
    name: 'select',
    maxFd: sys.FD_SETSIZE - 1,
    kernelInterestSet: false,
    pollableFd: null,
    triggers: Object.freeze(['level'] as const),
    idleCost: 'O(n)',
    // glibc on x86_64 and arm64 implements select() with the pselect6 syscall.
    syscall: process.platform === 'linux' ? 'pselect6' : 'select',
  });
  /** The wanted sets, kept between waits; copied into the scratch sets before each call (the
   * exception set is not used: it reports TCP urgent data, not errors). */
  readonly #wantRead = new FdSet();
  readonly #wantWrite = new FdSet();
  readonly #read = new FdSet();
  readonly #write = new FdSet();
  #maxFd = -1;

  protected kernelAdd(reg: Registration<T>): void {
    this.#apply(reg.fd, reg.interest);
    if (reg.fd > this.#maxFd) this.#maxFd = reg.fd;
  }

  protected kernelModify(reg: Registration<T>): void {
    this.#apply(reg.fd, reg.interest);
  }

  protected kernelRemove(reg: Registration<T>): void {
    this.#apply(reg.fd, 0);
    if (reg.fd === this.#maxFd) {
      this.#maxFd = -1;
      for (const fd of this.registrations.keys()) if (fd > this.#maxFd) this.#maxFd = fd;
    }
  }

  protected kernelWait(timeoutMs: number | null): void {
    let n = this.#wait(timeoutMs);
    if (n < 0) {
      // select() fails the whole call with EBADF when any set holds a closed fd, and says not
      // which. Find the culprits, report them as Invalid, and check the others without them
      // (timeout 0: the Invalid events are news enough), so one closed fd wedges nothing.
      const invalid = [...this.registrations.values()].filter((reg) => !isOpen(reg.fd));
      for (const reg of invalid) {
        this.emit(reg, Ready.Invalid);
        this.#apply(reg.fd, 0);
      }
      try {
        n = this.#wait(0);
      } finally {
        for (const reg of invalid) this.#apply(reg.fd, reg.interest);
      }
      if (n < 0) throw new OsError('select', EBADF);
    }
    if (n === 0) return;
    for (const reg of this.registrations.values()) {
      const fd = reg.fd;
      const r = this.#read.has(fd);
      const w = this.#write.has(fd);
      if (!(r || w)) continue;
      // select() reports errors and hang-ups as readable/writable; it has no separate bits.
      const ready = BaseSelector.readyBits(reg.interest, r, w, false, false);
      if (ready !== 0) this.emit(reg, ready);
    }
  }

  /** One select() over the wanted sets. @returns ready count, or −1 on EBADF */
  #wait(timeoutMs: number | null): number {
    this.#read.copyFrom(this.#wantRead);
    this.#write.copyFrom(this.#wantWrite);
    try {
      return select(this.#maxFd + 1, this.#read, this.#write, null, timeoutMs);
    } catch (err) {
      if (err instanceof OsError && err.errno === EBADF) return -1;
      throw err;
    }
  }

  protected kernelClose(): void {
    this.#wantRead.clear();
    this.#wantWrite.clear();
    this.#maxFd = -1;
  }

  #apply(fd: number, interest: Interest): void {
    if (interest & Interest.Readable) this.#wantRead.add(fd);
    else this.#wantRead.delete(fd);
    if (interest & Interest.Writable) this.#wantWrite.add(fd);
    else this.#wantWrite.delete(fd);
  }
}
