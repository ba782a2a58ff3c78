/**
 * What a reap pass of the io_uring completion backend (`uring-completion.ts`) leaves for
 * `runCompleted()`: the completions to run, as parallel arrays with no object per CQE, and the
 * provided-buffer ids to give back to the ring. Also the descriptors of accepts that no callback
 * will receive, which the queue closes once when it is closed.
 *
 * The reap pass writes the public arrays in place (a field store per completion, no call);
 * `runCompleted()` takes the batch with {@link ReapedCompletions.detach}, which swaps in a
 * second set of arrays so that completions reaped while the callbacks run (a callback may
 * re-enter the queue) go elsewhere, and hands the first set back with
 * {@link ReapedCompletions.giveBack}.
 * @internal
 * @module
 */

import { close as closeFd } from '../sys/fd.ts';
import type { IoUring } from '../sys/io-uring.ts';
import { Kind, type Op, type OpTable } from './op-table.ts';

/**
 * Closes the connection of every accept among completions `from` to `to - 1` (a result ≥ 0 is a
 * descriptor the kernel installed) that no callback will receive.
 * @internal
 */
export function closeAcceptedFds(ops: readonly Op[], res: readonly number[], from: number, to: number): void {
  for (let j = from; j < to; j++) {
    const rj = res[j] as number;
    if ((ops[j] as Op).kind === Kind.Accept && rj >= 0) closeFd(rj);
  }
}

/**
 * Completions reaped and not run yet, and buffer ids to recycle; see the module comment.
 * @internal
 */
export class ReapedCompletions {
  /** The operation of each completion (the first {@link ReapedCompletions.n} are live). */
  ops: Op[] = [];
  /** Each completion's result. */
  res: number[] = [];
  /** Each completion's CQE flags. */
  flags: number[] = [];
  /** Completions waiting. */
  n = 0;
  /** Buffer ids to give back to the ring: the first {@link ReapedCompletions.recycleN} (the array is reused). */
  recycle: number[] = [];
  /** Buffer ids waiting in {@link ReapedCompletions.recycle}. */
  recycleN = 0;
  #spareOps: Op[] = [];
  #spareRes: number[] = [];
  #spareFlags: number[] = [];
  #inRun = false;

  /**
   * Starts running the batch (the caller has read `ops`, `res`, `flags` and `n`): swaps in the
   * spare arrays, or fresh ones when a run is already under way (re-entered), and empties it.
   * @returns whether a run was already under way (then the arrays are not handed back)
   */
  detach(): boolean {
    const reentered = this.#inRun;
    this.#inRun = true;
    this.ops = reentered ? [] : this.#spareOps;
    this.res = reentered ? [] : this.#spareRes;
    this.flags = reentered ? [] : this.#spareFlags;
    this.n = 0;
    return reentered;
  }

  /** Ends a run that was not re-entered: its arrays become the spare set, reused. */
  giveBack(ops: Op[], res: number[], flags: number[]): void {
    this.#inRun = false;
    this.#spareOps = ops;
    this.#spareRes = res;
    this.#spareFlags = flags;
  }

  /**
   * Connections an accept completed that no callback will receive (reaped but not run, or
   * still in the CQ): the kernel installed their descriptors, so they are closed here, once.
   */
  closeUndelivered(ring: IoUring, table: OpTable): void {
    closeAcceptedFds(this.ops, this.res, 0, this.n);
    ring.reap((userData, res) => {
      if (res >= 0 && table.get(userData)?.kind === Kind.Accept) closeFd(res);
    });
  }

  /** Drops the completions waiting (the queue is closing). */
  clear(): void {
    this.ops = [];
    this.n = 0;
  }
}
