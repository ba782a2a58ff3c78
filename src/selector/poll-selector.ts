/**
 * The poll backend. No kernel interest set: the whole `struct pollfd` array is copied in and
 * scanned on every wait, so a wait costs O(registered). No fd limit. Kernel facts:
 * docs/backends/poll.md.
 *
 * @module
 */
import { sys } from '../sys/constants.ts';
import { PollFdArray, poll } from '../sys/poll.ts';
import { BaseSelector, type Registration, timeoutToMs } from './registrations.ts';
import { Interest, Ready, type SelectorCapabilities, type Token } from './selector.ts';

function toPoll(interest: Interest): number {
  let ev = 0;
  if (interest & Interest.Readable) ev |= sys.POLLIN;
  if (interest & Interest.Writable) ev |= sys.POLLOUT;
  return ev;
}

/** Readiness through poll(2). Level-triggered only; runs in owner mode. */
export class PollSelector<T = Token> extends BaseSelector<T> {
  readonly capabilities: SelectorCapabilities = Object.freeze({
    name: 'poll',
    maxFd: Number.POSITIVE_INFINITY,
    kernelInterestSet: false,
    pollableFd: null,
    triggers: Object.freeze(['level'] as const),
    idleCost: 'O(n)',
    syscall: process.arch === 'x64' ? 'poll' : 'ppoll',
  });
  readonly #fds = new PollFdArray();
  /** fd → index in #fds, so modify/unregister are O(1) (swap-remove keeps the array dense). */
  readonly #index = new Map<number, number>();

  protected kernelAdd(reg: Registration<T>): void {
    this.#index.set(reg.fd, this.#fds.push(reg.fd, toPoll(reg.interest)));
  }

  protected kernelModify(reg: Registration<T>): void {
    this.#fds.set(this.#index.get(reg.fd)!, reg.fd, toPoll(reg.interest));
  }

  protected kernelRemove(reg: Registration<T>): void {
    const i = this.#index.get(reg.fd)!;
    this.#index.delete(reg.fd);
    const moved = this.#fds.swapRemove(i);
    if (moved >= 0) this.#index.set(moved, i);
  }

  protected kernelWait(timeoutMs: number | null): void {
    const fds = this.#fds;
    let n = poll(fds, timeoutToMs(timeoutMs));
    for (let i = 0; i < fds.length && n > 0; i++) {
      const re = fds.revents(i);
      if (re === 0) continue;
      n--;
      const reg = this.registrations.get(fds.fd(i))!;
      if (re & sys.POLLNVAL) {
        this.emit(reg, Ready.Invalid);
        continue;
      }
      const ready = BaseSelector.readyBits(
        reg.interest,
        (re & (sys.POLLIN | sys.POLLPRI)) !== 0,
        (re & sys.POLLOUT) !== 0,
        (re & sys.POLLERR) !== 0,
        (re & sys.POLLHUP) !== 0,
      );
      if (ready !== 0) this.emit(reg, ready);
    }
  }

  protected kernelClose(): void {
    this.#fds.length = 0;
    this.#index.clear();
  }
}
