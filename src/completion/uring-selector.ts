/**
 * Readiness on top of completions: the {@link Selector} contract served by io_uring POLL_ADD,
 * so every readiness watcher (`loop.addReader/addWriter`: listeners, connects, datagrams, the
 * waker) works on a loop whose backend is io_uring, beside the completion-native transports.
 *
 * Each registered fd has at most one one-shot POLL_ADD in flight. The kernel checks the fd's
 * state when the poll is submitted, so re-arming after each report (just before the next
 * submission, once the callbacks have run) gives level-triggered semantics: an fd that stays
 * readable completes again at once. `modify` and `unregister` cancel the poll in flight by its
 * user data; a late completion of a cancelled poll is recognised (its id is no longer the
 * registration's) and dropped. A poll on an fd closed before submission completes with
 * −EBADF and is reported as `Ready.Invalid`, like poll(2)'s POLLNVAL.
 *
 * @module
 */
import { BaseSelector, type Registration } from '../selector/registrations.ts';
import {
  Interest,
  Ready,
  type Selector,
  type SelectorCapabilities,
  type Token,
} from '../selector/selector.ts';
import { sys } from '../sys/constants.ts';
import { IoUring, type IoUringAvailability } from '../sys/io-uring.ts';
import type { CompletionQueue } from './completion.ts';
import { UringCompletion, type UringCompletionOptions } from './uring-completion.ts';

const EBADF = 9;
const ECANCELED = 125;

interface PollState<T> {
  readonly reg: Registration<T>;
  /** The poll in flight (its op id), or 0 when none is. */
  opId: number;
  /** Waiting in the re-arm list. */
  queued: boolean;
  dead: boolean;
}

function toPoll(interest: Interest): number {
  let ev = 0;
  if (interest & Interest.Readable) ev |= sys.POLLIN | sys.POLLPRI;
  if (interest & Interest.Writable) ev |= sys.POLLOUT;
  return ev;
}

/** The io_uring backend as a Selector; see the module comment. */
export class UringSelector<T = Token> extends BaseSelector<T> {
  readonly capabilities: SelectorCapabilities;
  /** The completion queue underneath (transports submit to it directly). */
  readonly completion: UringCompletion;
  readonly #polls = new Map<number, PollState<T>>();
  #rearm: PollState<T>[] = [];
  #hookQueued = false;

  /** Whether io_uring works here, and if not, why. */
  static availability(): IoUringAvailability {
    return IoUring.availability();
  }

  /**
   * @param options `mode: 'owner'` for a selector only an owner-mode loop waits on: its ring
   *   defers completion work to its own waits (DEFER_TASKRUN), so it reports no pollable fd
   * @throws OsError when io_uring cannot be set up
   */
  constructor(options: UringCompletionOptions = {}) {
    super();
    this.completion = new UringCompletion(options);
    this.capabilities = Object.freeze({
      name: 'io_uring',
      maxFd: Number.POSITIVE_INFINITY,
      kernelInterestSet: true,
      // libuv would never see a DEFER_TASKRUN ring readable: no guest mode on it.
      pollableFd: this.completion.deferTaskrun ? null : this.completion.pollableFd,
      triggers: Object.freeze(['level', 'oneshot'] as const),
      idleCost: 'O(1)',
      syscall: 'io_uring_enter',
    });
  }

  protected kernelAdd(reg: Registration<T>): void {
    const st: PollState<T> = { reg, opId: 0, queued: false, dead: false };
    this.#polls.set(reg.fd, st);
    this.#arm(st);
  }

  protected kernelModify(reg: Registration<T>): void {
    const st = this.#polls.get(reg.fd);
    if (st === undefined) return;
    // Reported and not re-armed yet: the re-arm reads the new interest.
    if (st.opId === 0) return;
    this.completion.cancel(st.opId);
    st.opId = 0;
    this.#arm(st);
  }

  protected kernelRemove(reg: Registration<T>): void {
    const st = this.#polls.get(reg.fd);
    if (st === undefined) return;
    this.#polls.delete(reg.fd);
    st.dead = true;
    if (st.opId !== 0) this.completion.cancel(st.opId);
    st.opId = 0;
  }

  protected kernelWait(timeoutMs: number | null): void {
    this.completion.wait(timeoutMs);
  }

  protected kernelClose(): void {
    this.#polls.clear();
    this.#rearm = [];
    this.completion.close();
  }

  #arm(st: PollState<T>): void {
    const id = this.completion.pollAddImmediate(st.reg.fd, toPoll(st.reg.interest), (res) =>
      this.#onPoll(st, id, res),
    );
    st.opId = id;
  }

  #onPoll(st: PollState<T>, id: number, res: number): void {
    if (st.dead || st.opId !== id) return; // cancelled by modify/unregister: stale
    st.opId = 0;
    if (res === -ECANCELED) return;
    const interest = st.reg.interest;
    if (res === -EBADF) {
      this.emit(st.reg, Ready.Invalid);
      return;
    }
    const ready =
      res < 0
        ? BaseSelector.readyBits(interest, false, false, true, false)
        : BaseSelector.readyBits(
            interest,
            (res & (sys.POLLIN | sys.POLLPRI)) !== 0,
            (res & sys.POLLOUT) !== 0,
            (res & sys.POLLERR) !== 0,
            (res & sys.POLLHUP) !== 0,
          );
    if (ready !== 0) this.emit(st.reg, ready);
    if (!(interest & Interest.OneShot)) this.#queueRearm(st);
  }

  #queueRearm(st: PollState<T>): void {
    if (st.queued) return;
    st.queued = true;
    this.#rearm.push(st);
    if (!this.#hookQueued) {
      this.#hookQueued = true;
      this.completion.beforeSubmit(this.#rearmAll);
    }
  }

  /** Re-arms every poll reported since the last submission (runs just before it). */
  #rearmAll = (): void => {
    this.#hookQueued = false;
    const list = this.#rearm;
    this.#rearm = [];
    for (const st of list) {
      st.queued = false;
      if (!st.dead && st.opId === 0 && !this.isClosed) this.#arm(st);
    }
  };

  /**
   * A one-shot registration is re-armed by `modify` (same interest included), as with
   * EPOLLONESHOT.
   */
  override modify(fd: number, interest: Interest, token: T): void {
    super.modify(fd, interest, token);
    const st = this.#polls.get(fd);
    if (st !== undefined && st.opId === 0 && !st.queued) this.#arm(st);
  }
}

/** The completion queue of a selector that has one (io_uring), else null. */
export function completionOf(selector: Selector<unknown>): CompletionQueue | null {
  return selector instanceof UringSelector ? selector.completion : null;
}
