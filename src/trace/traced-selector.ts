/**
 * A Selector decorator that records what the loop asks the kernel: every register / modify /
 * unregister (an `epoll_ctl` or a bitmap change), and every wait with the interest it passed
 * in, the fds that came back ready and the time spent blocked. The tour prints it; tests and
 * benchmarks read its counters. Implements the L1 contract, so the loop cannot tell it apart.
 *
 * @module
 */
import type {
  Interest,
  ReadyEvent,
  Selector,
  SelectorCapabilities,
  SelectorStats,
  Token,
} from '../selector/selector.ts';

/** One wait, as the tracer saw it. */
export interface SelectCall {
  /** fds watched for reading when the wait began. */
  readFds: number[];
  /** fds watched for writing when the wait began. */
  writeFds: number[];
  /** The timeout passed (null = forever). */
  timeoutMs: number | null;
  /** fds that came back readable / writable. */
  readable: number[];
  writable: number[];
  /** Time blocked in the wait. */
  sleptMs: number;
}

/** Options for {@link TracedSelector}. */
export interface TracedSelectorOptions {
  /** Called after each wait (e.g. to print it). */
  onSelect?: (call: SelectCall) => void;
  /** Keep the interest sets in each SelectCall (costs an array per wait). Default true. */
  recordSets?: boolean;
}

/** See the module comment. */
export class TracedSelector<T = Token> implements Selector<T> {
  readonly #inner: Selector<T>;
  readonly #opts: TracedSelectorOptions;
  /** fd → interest, mirrored for printing the sets. */
  readonly #interest = new Map<number, Interest>();
  /** Calls that change the interest set (epoll_ctl / kevent changes / bitmap edits). */
  controlCalls = 0;
  /** Waits issued. */
  waits = 0;
  /** Total time blocked. */
  sleptMs = 0;

  /** @param inner the real selector; @param options see {@link TracedSelectorOptions} */
  constructor(inner: Selector<T>, options: TracedSelectorOptions = {}) {
    this.#inner = inner;
    this.#opts = options;
  }

  get capabilities(): SelectorCapabilities {
    return this.#inner.capabilities;
  }

  get isClosed(): boolean {
    return this.#inner.isClosed;
  }

  register(fd: number, interest: Interest, token: T): void {
    this.#inner.register(fd, interest, token);
    this.#interest.set(fd, interest);
    this.controlCalls++;
  }

  modify(fd: number, interest: Interest, token: T): void {
    this.#inner.modify(fd, interest, token);
    this.#interest.set(fd, interest);
    this.controlCalls++;
  }

  unregister(fd: number): void {
    this.#inner.unregister(fd);
    this.#interest.delete(fd);
    this.controlCalls++;
  }

  get(fd: number): { readonly interest: Interest; readonly token: T } | undefined {
    return this.#inner.get(fd);
  }

  /** Passes through (a userspace kqueue's socket errors; see Selector.takeSocketError). */
  takeSocketError(fd: number): number {
    return this.#inner.takeSocketError?.(fd) ?? 0;
  }

  select(timeoutMs: number | null): readonly ReadyEvent<T>[] {
    const record = this.#opts.recordSets !== false;
    const readFds: number[] = [];
    const writeFds: number[] = [];
    if (record) {
      for (const [fd, i] of this.#interest) {
        if (i & 1) readFds.push(fd);
        if (i & 2) writeFds.push(fd);
      }
    }
    const t0 = performance.now();
    const events = this.#inner.select(timeoutMs);
    const sleptMs = performance.now() - t0;
    this.waits++;
    this.sleptMs += sleptMs;
    if (this.#opts.onSelect) {
      this.#opts.onSelect({
        readFds,
        writeFds,
        timeoutMs,
        readable: events.filter((e) => e.ready & 1).map((e) => e.fd),
        writable: events.filter((e) => e.ready & 2).map((e) => e.fd),
        sleptMs,
      });
    }
    return events;
  }

  close(): void {
    this.#inner.close();
  }

  stats(): SelectorStats {
    return this.#inner.stats();
  }
}
