// TaskGroup on every backend and mode: waits for every task, aborts siblings on the first
// failure, aggregates every real error (strictly), drops the cancellations it caused itself.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortedError, ClosedResourceError, TaskGroupError } from '../errors.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { Event } from './event.ts';
import { sleep } from './sleep.ts';
import { TaskGroup } from './task-group.ts';
import { loopConfigs, withLoop } from './test-support.ts';

for (const config of loopConfigs()) {
  describe(`TaskGroup on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('waits for every task and returns the body value; tasks start on the next iteration, in order', async () => {
      await withLoop(config, async (loop) => {
        const log: string[] = [];
        const cDone = new Event();
        const value = await TaskGroup.run(loop, (group) => {
          group.start(async (signal) => {
            log.push('a start');
            await cDone.wait({ signal });
            log.push('a end');
          });
          group.start(async (signal) => {
            log.push('b start');
            await sleep(loop, 2, { signal });
            log.push('b end');
            group.start(async () => {
              log.push('c (started by b)');
              cDone.set();
            });
          });
          log.push('body returns');
          return 'body value';
        });
        assert.equal(value, 'body value');
        assert.deepEqual(log, ['body returns', 'a start', 'b start', 'b end', 'c (started by b)', 'a end']);
      });
    });

    test("start() returns the task's own result", async () => {
      await withLoop(config, async (loop) => {
        const sum = await TaskGroup.run(loop, async (group) => {
          const a = group.start(async () => 1);
          const b = group.start(() => 2);
          return (await a) + (await b);
        });
        assert.equal(sum, 3);
      });
    });

    test('one failure aborts the others, the group waits for them, a single error still comes grouped', async () => {
      await withLoop(config, async (loop) => {
        const boom = new Error('boom');
        let siblingSignal: AbortSignal | undefined;
        let siblingUnwound = false;
        const err = await TaskGroup.run(loop, (group) => {
          group.start(async (signal) => {
            siblingSignal = signal;
            try {
              await sleep(loop, 60_000, { signal });
            } finally {
              await sleep(loop, 2);
              siblingUnwound = true;
            }
          });
          group.start(async () => {
            await sleep(loop, 3);
            throw boom;
          });
        }).then(
          () => assert.fail('should fail'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof TaskGroupError, String(err));
        assert.equal(err.code, 'NBIO_TASK_GROUP');
        assert.deepEqual(err.errors, [boom], "the sibling's AbortedError was the group's doing: dropped");
        assert.equal(err.cause, boom);
        assert.ok(siblingSignal?.aborted);
        assert.ok(siblingSignal?.reason instanceof AbortedError);
        assert.equal((siblingSignal?.reason as AbortedError).cause, boom);
        assert.ok(siblingUnwound, 'the group waited for the aborted sibling');
      });
    });

    test('every real error is kept, in order; a failing body counts; the same error once', async () => {
      await withLoop(config, async (loop) => {
        const e1 = new Error('first');
        const e2 = new Error('second, while unwinding');
        const e3 = new Error('body');
        const err = await TaskGroup.run(loop, async (group) => {
          const t = group.start(async () => {
            throw e1;
          });
          group.start(async (signal) => {
            await sleep(loop, 60_000, { signal }).catch(() => {});
            throw e2; // not a cancellation: kept
          });
          await t.catch((e) => assert.equal(e, e1));
          await sleep(loop, 1).catch(() => {});
          throw e3;
        }).then(
          () => assert.fail('should fail'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof TaskGroupError);
        assert.deepEqual(err.errors, [e1, e2, e3]);
        const dup = await TaskGroup.run(loop, async (group) => {
          await group.start(async () => {
            throw e1;
          }); // the body rethrows the task's own error: recorded once
        }).catch((e: unknown) => e);
        assert.ok(dup instanceof TaskGroupError);
        assert.deepEqual(dup.errors, [e1]);
      });
    });

    test('a task throwing synchronously fails the group like an async one', async () => {
      await withLoop(config, async (loop) => {
        const sync = new Error('sync');
        await assert.rejects(
          TaskGroup.run(loop, (group) => {
            group.start(() => {
              throw sync;
            });
          }),
          (e: unknown) => e instanceof TaskGroupError && e.errors[0] === sync,
        );
      });
    });

    test('group.abort() cancels quietly: run returns the body value', async () => {
      await withLoop(config, async (loop) => {
        let aborted = 0;
        const v = await TaskGroup.run(loop, async (group) => {
          for (let i = 0; i < 3; i++) {
            group.start(async (signal) => {
              await sleep(loop, 60_000, { signal }).catch((e) => {
                aborted++;
                throw e;
              });
            });
          }
          await sleep(loop, 2);
          group.abort();
          assert.equal(group.stats().aborted, true);
          return 'quiet';
        });
        assert.equal(v, 'quiet');
        assert.equal(aborted, 3);
      });
    });

    test('a body cancelled by abort() rejects with AbortedError', async () => {
      await withLoop(config, async (loop) => {
        const reason = new Error('why');
        await assert.rejects(
          TaskGroup.run(loop, async (group) => {
            group.start(async () => group.abort(reason));
            await sleep(loop, 60_000, { signal: group.signal });
          }),
          (e: unknown) => e instanceof AbortedError && e.cause === reason,
        );
      });
    });

    test('an outer signal: already aborted rejects at once; aborting later cancels everything', async () => {
      await withLoop(config, async (loop) => {
        let ran = false;
        await assert.rejects(
          TaskGroup.run(
            loop,
            () => {
              ran = true;
            },
            { signal: AbortSignal.abort('early') },
          ),
          (e: unknown) => e instanceof AbortedError && e.cause === 'early',
        );
        assert.equal(ran, false);
        const ac = new AbortController();
        loop.callLater(3, () => ac.abort('later'));
        await assert.rejects(
          TaskGroup.run(
            loop,
            async (group) => {
              group.start((signal) => sleep(loop, 60_000, { signal }));
              await sleep(loop, 60_000, { signal: group.signal });
            },
            { signal: ac.signal },
          ),
          (e: unknown) => e instanceof AbortedError && e.cause === 'later',
        );
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
      });
    });

    test('start() after the group finished throws ClosedResourceError', async () => {
      await withLoop(config, async (loop) => {
        let saved: TaskGroup | undefined;
        await TaskGroup.run(loop, (group) => {
          saved = group;
        });
        assert.throws(() => saved!.start(async () => {}), ClosedResourceError);
        assert.deepEqual(saved!.stats(), { started: 0, running: 0, failures: 0, aborted: false });
      });
    });

    test('nested groups: an inner failure surfaces as a TaskGroupError inside the outer one', async () => {
      await withLoop(config, async (loop) => {
        const inner = new Error('inner');
        const err = await TaskGroup.run(loop, (outer) => {
          outer.start((signal) =>
            TaskGroup.run(
              loop,
              (g) => {
                g.start(async () => {
                  throw inner;
                });
              },
              { signal },
            ),
          );
          outer.start((signal) => sleep(loop, 60_000, { signal }));
        }).catch((e: unknown) => e);
        assert.ok(err instanceof TaskGroupError);
        assert.equal(err.errors.length, 1);
        const nested = err.errors[0];
        assert.ok(nested instanceof TaskGroupError);
        assert.deepEqual(nested.errors, [inner]);
      });
    });
  });
}
