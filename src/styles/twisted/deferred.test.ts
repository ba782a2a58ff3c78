// Deferred without a loop: chains, chaining, faults, cancellation, Promise conversion.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { InvalidArgumentError } from '../../errors.ts';
import { setDebugging } from './debugging.ts';
import { Deferred, fail, maybeDeferred, succeed } from './deferred.ts';
import { AlreadyCalledError, CancelledError } from './twisted-errors.ts';
import { setUnhandledErrorHandler } from './unhandled-error.ts';

// Failures left unhandled on purpose below are collected here instead of logged.
const previousHandler = setUnhandledErrorHandler(() => {});
after(() => setUnhandledErrorHandler(previousHandler));

describe('Deferred chains', () => {
  test('callbacks run in order, each receiving the previous result', () => {
    const d = new Deferred<number>();
    const seen: unknown[] = [];
    d.addCallback((x) => x + 1)
      .addCallback((x, times: number) => x * times, 10)
      .addCallback((x) => {
        seen.push(x);
        return `got ${x}`;
      });
    assert.deepEqual(seen, [], 'nothing runs before the Deferred fires');
    d.callback(1);
    assert.deepEqual(seen, [20]);
    assert.equal(d.called, true);
    // a callback added after firing runs at once with the current result
    let late: unknown;
    d.addCallback((s) => {
      late = s;
    });
    assert.equal(late, 'got 20');
  });

  test('a throwing callback skips to the next errback; an errback that returns recovers', () => {
    const d = new Deferred<string>();
    const log: string[] = [];
    d.addCallback(() => {
      throw new Error('boom');
    })
      .addCallback(() => log.push('skipped callback'))
      .addErrback((e) => {
        log.push(`errback ${(e as Error).message}`);
        return 'recovered';
      })
      .addCallbacks(
        (v) => log.push(`callback ${v}`),
        () => log.push('not this errback'),
      );
    d.callback('x');
    assert.deepEqual(log, ['errback boom', 'callback recovered']);
  });

  test('errback() starts on the errback side; an errback may rethrow; addBoth sees either', () => {
    const d = new Deferred<number>();
    const log: unknown[] = [];
    d.addCallback(() => log.push('no'))
      .addErrback((e) => {
        log.push(`first ${(e as Error).message}`);
        throw e;
      })
      .addBoth((r) => {
        log.push(r instanceof Error ? 'both: failure' : 'both: success');
        return 7;
      })
      .addCallback((v) => log.push(v));
    d.errback(new Error('bad'));
    assert.deepEqual(log, ['first bad', 'both: failure', 7]);
  });

  test('a callback returning a Deferred pauses the chain until that one fires', () => {
    const outer = new Deferred<number>();
    const inner = new Deferred<string>();
    const log: unknown[] = [];
    outer
      .addCallback((n) => {
        log.push(`outer ${n}`);
        return inner;
      })
      .addCallback((s) => log.push(`after inner: ${s}`));
    outer.callback(1);
    assert.deepEqual(log, ['outer 1']);
    assert.equal(outer.paused, true);
    inner.callback('ready');
    assert.deepEqual(log, ['outer 1', 'after inner: ready']);
    assert.equal(outer.paused, false);
    // the inner Deferred's result was handed to the outer chain
    let innerNow: unknown = 'unset';
    inner.addCallback((r) => {
      innerNow = r;
    });
    assert.equal(innerNow, undefined);
  });

  test('an inner Deferred that already fired, or failed, continues the chain at once', () => {
    const log: unknown[] = [];
    succeed(1)
      .addCallback(() => succeed('already'))
      .addCallback((s) => log.push(s))
      .addCallback(() => fail(new Error('inner failed')))
      .addErrback((e) => log.push((e as Error).message));
    assert.deepEqual(log, ['already', 'inner failed']);
  });

  test('a callback returning a Promise pauses the chain until it settles', async () => {
    const d = succeed(2).addCallback((n) => Promise.resolve(n * 21));
    assert.equal(d.paused, true);
    assert.equal(await d.asPromise(), 42);
  });

  test('a callback returning its own Deferred fails with InvalidArgumentError', () => {
    const d = new Deferred<number>();
    let caught: unknown;
    d.addCallback(function loopy() {
      return d;
    }).addErrback((e) => {
      caught = e;
    });
    d.callback(1);
    assert.ok(caught instanceof InvalidArgumentError);
    assert.match((caught as Error).message, /loopy.*wait for itself/);
  });

  test('pause() holds the chain; unpause() runs it', () => {
    const d = new Deferred<number>();
    const log: number[] = [];
    d.addCallback((n) => log.push(n));
    d.pause();
    d.callback(5);
    assert.deepEqual(log, []);
    d.unpause();
    assert.deepEqual(log, [5]);
  });
});

describe('Deferred faults', () => {
  test('firing twice throws AlreadyCalledError naming the second call site', () => {
    const d = new Deferred<number>();
    d.callback(1);
    assert.throws(
      function secondFirer() {
        d.errback(new Error('late'));
      },
      (e: unknown) =>
        e instanceof AlreadyCalledError &&
        e.code === 'NBIO_ALREADY_CALLED' &&
        /Cannot errback\(\) at secondFirer .*deferred\.test\.ts:\d+/.test(e.message) &&
        /already fired by callback\(\)/.test(e.message) &&
        /NBIO_DEFERRED_DEBUG=1/.test(e.message),
    );
  });

  test('with debugging on, AlreadyCalledError names both call sites', () => {
    setDebugging(true);
    try {
      const d = new Deferred<number>();
      (function firstFirer() {
        d.callback(1);
      })();
      let err: unknown;
      (function secondFirer() {
        try {
          d.callback(2);
        } catch (e) {
          err = e;
        }
      })();
      assert.ok(err instanceof AlreadyCalledError);
      assert.match(err.message, /Cannot callback\(\) at secondFirer \(.*deferred\.test\.ts:\d+:\d+\)/);
      assert.match(
        err.message,
        /already fired by callback\(\) at firstFirer \(.*deferred\.test\.ts:\d+:\d+\)/,
      );
    } finally {
      setDebugging(false);
    }
  });

  test('firing with a Deferred is refused', () => {
    const d = new Deferred<unknown>();
    assert.throws(() => d.callback(new Deferred()), InvalidArgumentError);
    assert.equal(d.called, false);
  });
});

describe('Deferred cancellation', () => {
  test('without a canceller: errbacks with CancelledError; the late result is ignored once', () => {
    const d = new Deferred<number>();
    let caught: unknown;
    d.addErrback((e) => {
      caught = e;
    });
    d.cancel();
    assert.ok(caught instanceof CancelledError);
    assert.equal((caught as CancelledError).code, 'NBIO_ABORTED');
    d.callback(1); // the operation finishing later: suppressed, as in Twisted
    assert.throws(() => d.callback(2), AlreadyCalledError);
  });

  test('a canceller that fires the Deferred decides the result', () => {
    let cancellerSaw: unknown;
    const d = new Deferred<string>((self) => {
      cancellerSaw = self;
      self.callback('stopped cleanly');
    });
    let result: unknown;
    d.addCallback((r) => {
      result = r;
    });
    d.cancel();
    assert.equal(cancellerSaw, d);
    assert.equal(result, 'stopped cleanly');
  });

  test('a canceller that does not fire it: CancelledError, and a later callback is a bug', () => {
    let stopped = false;
    const d = new Deferred<number>(() => {
      stopped = true;
    });
    let caught: unknown;
    d.addErrback((e) => {
      caught = e;
    });
    d.cancel();
    assert.ok(stopped);
    assert.ok(caught instanceof CancelledError);
    assert.throws(() => d.callback(1), /already fired by cancel\(\)/);
  });

  test('a throwing canceller fails the Deferred with its error', () => {
    const d = new Deferred<number>(() => {
      throw new Error('canceller broke');
    });
    let caught: unknown;
    d.addErrback((e) => {
      caught = e;
    });
    d.cancel();
    assert.equal((caught as Error).message, 'canceller broke');
  });

  test('cancelling a chain that waits on an inner Deferred cancels the inner one', () => {
    let innerCancelled = false;
    const inner = new Deferred<number>(() => {
      innerCancelled = true;
    });
    const outer = succeed(1).addCallback(() => inner);
    let caught: unknown;
    outer.addErrback((e) => {
      caught = e;
    });
    outer.cancel();
    assert.ok(innerCancelled);
    assert.ok(caught instanceof CancelledError);
  });

  test('cancel() after the result arrived does nothing', () => {
    const d = succeed(3);
    d.cancel();
    let v: unknown;
    d.addCallback((x) => {
      v = x;
    });
    assert.equal(v, 3);
  });
});

describe('Deferred and Promises', () => {
  test('asPromise resolves with the result, or rejects with the failure, and hands it over', async () => {
    assert.equal(await succeed('ok').asPromise(), 'ok');
    const failed = fail(new Error('nope'));
    await assert.rejects(failed.asPromise(), /nope/);
    let after: unknown = 'unset';
    failed.addBoth((r) => {
      after = r;
    });
    assert.equal(after, undefined, 'the chain goes on with undefined');
  });

  test('fromPromise fires when the Promise settles; cancel() does not wait for it', async () => {
    const ok = Deferred.fromPromise(Promise.resolve(9));
    assert.equal(ok.called, false, 'a Promise settles on a later microtask');
    assert.equal(await ok.asPromise(), 9);
    await assert.rejects(Deferred.fromPromise(Promise.reject(new Error('r'))).asPromise(), /r/);
    let resolveLater!: (v: number) => void;
    const slow = Deferred.fromPromise(new Promise<number>((r) => (resolveLater = r)));
    slow.cancel();
    await assert.rejects(slow.asPromise(), CancelledError);
    resolveLater(1); // ignored, no AlreadyCalledError escapes
    await new Promise((r) => setImmediate(r));
  });

  test('maybeDeferred wraps values, throws, Deferreds and Promises', async () => {
    assert.equal(await maybeDeferred(() => 1).asPromise(), 1);
    await assert.rejects(
      maybeDeferred(() => {
        throw new Error('thrown');
      }).asPromise(),
      /thrown/,
    );
    const d = succeed(2);
    assert.equal(
      maybeDeferred(() => d),
      d,
    );
    assert.equal(await maybeDeferred((x: number) => Promise.resolve(x + 1), 2).asPromise(), 3);
  });
});
