/**
 * The loop configurations every loop-level test runs on, and a deadline for tests that drive
 * an owner-mode loop. Shared by the tests of every layer above the loop.
 *
 * @module
 */
import type { EventLoop, RunMode } from '../loop/event-loop.ts';
import { availableBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';

/** One backend in one run mode. */
export interface LoopConfig {
  readonly backend: SelectorName;
  readonly mode: RunMode;
}

/**
 * Every backend this platform has, in every mode it supports (guest where it can, owner always).
 * io_uring is in the list when `io_uring_setup` works here (not disabled by sysctl or seccomp).
 */
export function loopConfigs(): LoopConfig[] {
  const out: LoopConfig[] = [];
  for (const backend of availableBackends()) {
    const guestCapable =
      backend === 'epoll' || backend === 'io_uring' || (backend === 'kqueue' && process.platform !== 'linux');
    if (guestCapable) out.push({ backend, mode: 'guest' });
    out.push({ backend, mode: 'owner' });
  }
  return out;
}

/**
 * Settles like `work`, or rejects after `ms` of *loop* time. The deadline is an nbio timer:
 * Node's own timers (and so node:test's timeout) cannot fire while an owner-mode loop blocks in
 * its selector, so a lost callback would otherwise hang the file.
 */
export function deadline<T>(loop: EventLoop, ms: number, what: string, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = loop.callLater(ms, () => reject(new Error(`timed out after ${ms} ms: ${what}`)));
    work.then(
      (v) => {
        t.cancel();
        resolve(v);
      },
      (e) => {
        t.cancel();
        reject(e);
      },
    );
  });
}

/** Runs the loop until `work` settles, failing after `ms` of loop time (see {@link deadline}). */
export function runFor<T>(loop: EventLoop, work: Promise<T> | (() => Promise<T>), ms = 20_000): Promise<T> {
  return loop.runUntilComplete(() =>
    deadline(loop, ms, 'no result', typeof work === 'function' ? Promise.resolve().then(work) : work),
  );
}
