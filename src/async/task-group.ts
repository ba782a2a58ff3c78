/**
 * `TaskGroup`: structured concurrency (trio's nursery, asyncio's `TaskGroup`). Tasks started
 * in a group cannot outlive it: `TaskGroup.run` returns only once the body and every task it
 * started have settled.
 *
 * ## Semantics (docs/async.md, "Task groups")
 * - `group.start(fn)` schedules `fn(signal)` with `loop.callSoon`: it starts on the next loop
 *   iteration, in the order started (asyncio's `create_task`, trio's `start_soon`). Every task
 *   receives the group's one `AbortSignal`.
 * - The first failure (of a task or of the body) aborts the group's signal, with an
 *   `AbortedError` whose cause is that failure: every other task is asked to stop, and the
 *   group still waits for all of them.
 * - Errors that are the consequence of the group's own cancellation (the signal's reason, an
 *   `AbortedError`, an `AbortError`, thrown once the signal aborted) are dropped — they are
 *   not failures, as trio drops `Cancelled`. Every other error is kept, none swallowed.
 * - Strict, like trio ≥ 0.25 and asyncio: any failure rejects with a {@link TaskGroupError}
 *   holding every error in the order they happened — even a single one, so a caller writes
 *   one `catch` that always sees the same shape. The same error object is kept once (a body
 *   that awaits a failed task and rethrows its error does not double it).
 * - When nothing failed but the body itself was cancelled (by `group.abort()` or by
 *   `options.signal`), `run` rejects with `AbortedError` (the reason as cause); when the body
 *   returned, `run` resolves with its value even if tasks were aborted on the way.
 * - A task that ignores its signal keeps the group waiting (as in trio and asyncio).
 *
 * @module
 */
import { AbortedError, ClosedResourceError, TaskGroupError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { abortedError, isCancellation, linkSignal, type SignalOptions } from './cancellable.ts';

/** Counters of one task group, as a frozen plain object. */
export interface TaskGroupStats {
  /** Tasks started so far. */
  readonly started: number;
  /** Tasks not yet settled. */
  readonly running: number;
  /** Failures recorded (what the TaskGroupError will hold). */
  readonly failures: number;
  /** True once the group's signal aborted. */
  readonly aborted: boolean;
}

/** A scope that owns tasks; create one with {@link TaskGroup.run}. */
export class TaskGroup {
  readonly #loop: EventLoop;
  readonly #controller = new AbortController();
  readonly #errors: unknown[] = [];
  #started = 0;
  #running = 0;
  #finished = false;
  #idle: (() => void) | null = null;

  private constructor(loop: EventLoop) {
    this.#loop = loop;
  }

  /**
   * Runs `body(group)`, then waits for every task started in the group; see the module
   * comment for failures and cancellation.
   *
   * @example
   * ```ts
   * await loop.runUntilComplete(() =>
   *   TaskGroup.run(loop, async (group) => {
   *     group.start((signal) => serve(server, signal));
   *     group.start(async (signal) => {
   *       await sleep(loop, 1_000, { signal });
   *       group.abort(); // stop everything, quietly
   *     });
   *   }),
   * );
   * ```
   * @returns the body's value
   * @throws (rejects) TaskGroupError when the body or a task failed; AbortedError when the
   *   body was cancelled (or `options.signal` was already aborted)
   */
  static async run<T>(
    loop: EventLoop,
    body: (group: TaskGroup) => Promise<T> | T,
    options: SignalOptions = {},
  ): Promise<T> {
    if (options.signal?.aborted) throw abortedError('TaskGroup.run()', options.signal);
    const group = new TaskGroup(loop);
    const unlink = linkSignal(options.signal, group.#controller);
    let value: T | undefined;
    let returned = false;
    try {
      value = await body(group);
      returned = true;
    } catch (error) {
      group.#fail(error);
    }
    while (group.#running > 0) await new Promise<void>((resolve) => (group.#idle = resolve));
    group.#finished = true;
    unlink();
    if (group.#errors.length > 0) throw new TaskGroupError(group.#errors);
    if (!returned) throw abortedError('TaskGroup.run()', group.signal);
    return value as T;
  }

  /** The signal every task of the group receives; it aborts on the first failure or abort(). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Starts `fn(signal)` on the next loop iteration as a task of this group.
   * @returns the task's own outcome, for a caller that wants it (the group records a failure
   *   either way; not awaiting this promise is fine)
   * @throws ClosedResourceError when the group has already finished
   */
  start<T>(fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    if (this.#finished) {
      throw new ClosedResourceError(
        'Cannot start a task: this task group has finished. Start tasks from the group body or from its tasks.',
      );
    }
    this.#started++;
    this.#running++;
    const signal = this.#controller.signal;
    const task = new Promise<T>((resolve, reject) => {
      this.#loop.callSoon(() => {
        try {
          Promise.resolve(fn(signal)).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
    task.then(
      () => this.#taskDone(),
      (error: unknown) => {
        this.#fail(error);
        this.#taskDone();
      },
    );
    return task;
  }

  /**
   * Cancels the group: aborts its signal, so every task is asked to stop. Cancellation is not
   * a failure: `run` resolves with the body's value if the body returns. Idempotent.
   * @param reason the signal's reason (default: an AbortedError saying abort() was called)
   */
  abort(reason?: unknown): void {
    if (this.#finished || this.#controller.signal.aborted) return;
    this.#controller.abort(reason ?? new AbortedError('The task group was cancelled by abort().'));
  }

  /** Counters, as a frozen plain object. */
  stats(): TaskGroupStats {
    return Object.freeze({
      started: this.#started,
      running: this.#running,
      failures: this.#errors.length,
      aborted: this.#controller.signal.aborted,
    });
  }

  #fail(error: unknown): void {
    if (isCancellation(error, this.#controller.signal)) return;
    if (!this.#errors.includes(error)) this.#errors.push(error);
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(
        new AbortedError(
          'A task of the group failed, so the group aborts the others (the failure is the cause).',
          {
            cause: error,
          },
        ),
      );
    }
  }

  #taskDone(): void {
    this.#running--;
    if (this.#running === 0 && this.#idle !== null) {
      const wake = this.#idle;
      this.#idle = null;
      wake();
    }
  }
}
