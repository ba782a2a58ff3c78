/**
 * The bookkeeping every backend shares (CPython's `_BaseSelectorImpl`): argument checks, the
 * fd → registration map, the reusable event array, timeout validation and stats. A backend
 * extends {@link BaseSelector} and supplies only what its mechanism does differently.
 *
 * @module
 */
import { ClosedResourceError, describeValue, InvalidArgumentError } from '../errors.ts';
import { isOpen } from '../sys/fd.ts';
import {
  Interest,
  type ReadyEvent,
  type Selector,
  type SelectorCapabilities,
  type SelectorStats,
  type Token,
} from './selector.ts';

/** One registered descriptor. */
export interface Registration<T> {
  fd: number;
  interest: Interest;
  token: T;
}

/**
 * The longest wait passed to the kernel in one call: 2^31−1 ms (about 24.8 days) is the most
 * an `int` timeout holds. A longer wait simply returns no events and the caller waits again.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Turns a public timeout into the whole milliseconds epoll_wait/poll take: −1 for "forever",
 * fractions rounded *up* so a timer is never woken before it is due (mio does the same).
 */
export function timeoutToMs(timeoutMs: number | null): number {
  if (timeoutMs === null || timeoutMs === Number.POSITIVE_INFINITY) return -1;
  return Math.min(Math.ceil(timeoutMs), MAX_TIMEOUT_MS);
}

/** Base class with the shared bookkeeping; see the module comment. */
export abstract class BaseSelector<T = Token> implements Selector<T> {
  abstract readonly capabilities: SelectorCapabilities;
  /** fd → registration. */
  protected readonly registrations = new Map<number, Registration<T>>();
  /** Reused event objects; `eventCount` of them are valid after a wait. */
  readonly #pool: ReadyEvent<T>[] = [];
  readonly #out: ReadyEvent<T>[] = [];
  #closed = false;
  #selects = 0;
  #events = 0;

  /** True after close(). */
  get isClosed(): boolean {
    return this.#closed;
  }

  register(fd: number, interest: Interest, token: T): void {
    this.#checkOpen('register');
    this.#checkFd(fd, 'register');
    this.#checkInterest(fd, interest, 'register');
    if (this.registrations.has(fd) && !this.replaceStale(fd)) {
      throw new InvalidArgumentError(
        `Cannot register fd ${fd}: already registered with this ${this.capabilities.name} selector. Use modify() to change its interest.`,
        'NBIO_ALREADY_REGISTERED',
      );
    }
    const reg: Registration<T> = { fd, interest, token };
    this.kernelAdd(reg);
    this.registrations.set(fd, reg);
  }

  modify(fd: number, interest: Interest, token: T): void {
    this.#checkOpen('modify');
    const reg = this.#existing(fd, 'modify');
    this.#checkInterest(fd, interest, 'modify');
    const old = reg.interest;
    const oldToken = reg.token;
    reg.interest = interest;
    reg.token = token;
    try {
      this.kernelModify(reg, old);
    } catch (err) {
      // The registration stays as it was, token included (the backend undid its kernel changes).
      reg.interest = old;
      reg.token = oldToken;
      throw err;
    }
  }

  unregister(fd: number): void {
    this.#checkOpen('unregister');
    const reg = this.#existing(fd, 'unregister');
    this.registrations.delete(fd);
    this.kernelRemove(reg);
  }

  get(fd: number): { readonly interest: Interest; readonly token: T } | undefined {
    return this.registrations.get(fd);
  }

  select(timeoutMs: number | null): readonly ReadyEvent<T>[] {
    this.#checkOpen('select');
    if (timeoutMs !== null && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
      throw new InvalidArgumentError(
        `Cannot select with timeout ${describeValue(timeoutMs)}: use a number of milliseconds ≥ 0, or null to wait forever.`,
        'NBIO_INVALID_TIMEOUT',
      );
    }
    this.#selects++;
    this.#out.length = 0;
    this.kernelWait(timeoutMs);
    this.#events += this.#out.length;
    return this.#out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.registrations.clear();
    this.kernelClose();
  }

  stats(): SelectorStats {
    return Object.freeze({
      name: this.capabilities.name,
      registered: this.registrations.size,
      selects: this.#selects,
      events: this.#events,
    });
  }

  /** Called by `kernelWait` for each ready fd: records an event (reusing pooled objects). */
  protected emit(reg: Registration<T>, ready: number): void {
    const i = this.#out.length;
    let ev = this.#pool[i];
    if (ev === undefined) {
      ev = { fd: 0, token: undefined as T, ready: 0 };
      this.#pool.push(ev);
    }
    ev.fd = reg.fd;
    ev.token = reg.token;
    ev.ready = ready;
    this.#out.push(ev);
  }

  /**
   * Turns "error" and "hang-up" into the readable/writable bits the registrant asked for, so
   * its read or write finds the error (libuv and asyncio do the same).
   */
  protected static readyBits(
    interest: Interest,
    readable: boolean,
    writable: boolean,
    error: boolean,
    hangup: boolean,
  ): number {
    let ready = 0;
    const wake = error || hangup;
    if ((readable || wake) && interest & Interest.Readable) ready |= 1;
    if ((writable || wake) && interest & Interest.Writable) ready |= 2;
    if (error) ready |= 4;
    if (hangup) ready |= 8;
    return ready;
  }

  /**
   * When `register` finds `fd` already in the map: return true if the old entry is stale (the
   * fd was closed and its number reused) and was dropped, so registration may proceed.
   * The default trusts the map.
   */
  protected replaceStale(_fd: number): boolean {
    return false;
  }
  /** Adds `reg` to the kernel's (or the backend's own) interest set. */
  protected abstract kernelAdd(reg: Registration<T>): void;
  /** Applies `reg`'s new interest (`old` was the previous one). */
  protected abstract kernelModify(reg: Registration<T>, old: Interest): void;
  /** Removes `reg` (already gone from the map). Must tolerate an fd that was closed. */
  protected abstract kernelRemove(reg: Registration<T>): void;
  /** Waits (validated timeout) and calls `emit` for each ready fd. */
  protected abstract kernelWait(timeoutMs: number | null): void;
  /** Releases kernel resources. */
  protected abstract kernelClose(): void;

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new ClosedResourceError(`Cannot ${what}: this ${this.capabilities.name} selector is closed.`);
    }
  }

  #checkFd(fd: number, what: string): void {
    if (!Number.isInteger(fd) || fd < 0) {
      throw new InvalidArgumentError(
        `Cannot ${what} fd ${fd}: a file descriptor is an integer ≥ 0.`,
        'NBIO_BAD_FD',
      );
    }
    if (fd > this.capabilities.maxFd) {
      throw new InvalidArgumentError(
        `Cannot ${what} fd ${fd}: the ${this.capabilities.name} selector only handles fds up to ${this.capabilities.maxFd} (FD_SETSIZE). Use the poll or epoll selector for more descriptors.`,
        'NBIO_FD_TOO_LARGE',
      );
    }
    // A backend whose kernel add rejects a closed fd (epoll_ctl: EBADF) says so itself, through
    // notOpen(): no fcntl(F_GETFD) per registration, one system call less per connection.
    if ((!this.kernelChecksFd || this.registrations.has(fd)) && !isOpen(fd)) throw this.notOpen(fd, what);
  }

  /**
   * True when `kernelAdd` fails with EBADF for a descriptor that is not open, and turns that into
   * {@link notOpen}'s error: registering then asks the kernel once instead of twice.
   */
  protected get kernelChecksFd(): boolean {
    return false;
  }

  /** The error for registering an fd that is not open (`NBIO_BAD_FD`). */
  protected notOpen(fd: number, what = 'register'): InvalidArgumentError {
    return new InvalidArgumentError(
      `Cannot ${what} fd ${fd}: it is not an open file descriptor (closed already?).`,
      'NBIO_BAD_FD',
    );
  }

  #checkInterest(fd: number, interest: Interest, what: string): void {
    if (
      !Number.isInteger(interest) ||
      (interest & (Interest.Readable | Interest.Writable)) === 0 ||
      interest & ~15
    ) {
      throw new InvalidArgumentError(
        `Cannot ${what} fd ${fd} with interest ${interest}: ask for Interest.Readable and/or Interest.Writable (optionally | Edge or | OneShot).`,
      );
    }
    const triggers = this.capabilities.triggers;
    if (interest & Interest.Edge && !triggers.includes('edge')) {
      throw new InvalidArgumentError(
        `Cannot ${what} fd ${fd} edge-triggered: the ${this.capabilities.name} selector is level-triggered only. Use epoll or kqueue for Interest.Edge.`,
        'NBIO_UNSUPPORTED',
      );
    }
    if (interest & Interest.OneShot && !triggers.includes('oneshot')) {
      throw new InvalidArgumentError(
        `Cannot ${what} fd ${fd} one-shot: the ${this.capabilities.name} selector has no one-shot mode. Use epoll or kqueue for Interest.OneShot.`,
        'NBIO_UNSUPPORTED',
      );
    }
  }

  #existing(fd: number, what: string): Registration<T> {
    const reg = this.registrations.get(fd);
    if (reg === undefined) {
      throw new InvalidArgumentError(
        `Cannot ${what} fd ${fd}: it is not registered with this ${this.capabilities.name} selector.`,
        'NBIO_NOT_REGISTERED',
      );
    }
    return reg;
  }
}
