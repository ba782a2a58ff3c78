/**
 * The contract every Selector backend must meet, as one node:test suite. Each backend's test
 * file (and `selectors.test.ts` for all of them) calls {@link selectorContract} with a factory;
 * a backend the platform lacks is skipped with its reason printed, never failed at import.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { close, isOpen, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { backendAvailability, createSelector } from './default-selector.ts';
import { Interest, Ready, type ReadyEvent, type Selector, type SelectorName } from './selector.ts';

function byFd<T>(events: readonly ReadyEvent<T>[], fd: number): ReadyEvent<T> | undefined {
  return events.find((e) => e.fd === fd);
}

/** Closes every fd given, ignoring ones already closed (test cleanup only). */
function closeAll(...fds: number[]): void {
  for (const fd of fds) if (isOpen(fd)) close(fd);
}

/**
 * Registers the contract suite for backend `name`.
 * @param name the backend to test
 */
export function selectorContract(name: SelectorName): void {
  const availability = backendAvailability(name);
  const skip = availability.available ? false : availability.reason;
  if (skip) console.log(`# ${name} selector skipped: ${skip}`);

  describe(`Selector contract: ${name}`, { skip }, () => {
    let sel: Selector<string>;
    let fdsBefore = fdSnapshot();
    const open: number[] = [];
    const pair = (): [number, number] => {
      const p = socketpair();
      open.push(...p);
      return p;
    };

    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      closeAll(...open);
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every fd the suite opened is closed');
    });

    const withSelector = (fn: () => void) => () => {
      sel = createSelector<string>(name);
      try {
        fn();
      } finally {
        sel.close();
      }
    };

    test(
      'declares its capabilities',
      withSelector(() => {
        assert.equal(sel.capabilities.name, name);
        assert.ok(sel.capabilities.triggers.includes('level'));
        assert.equal(typeof sel.capabilities.syscall, 'string');
        if (sel.capabilities.pollableFd !== null) assert.ok(isOpen(sel.capabilities.pollableFd));
      }),
    );

    test(
      'times out with no events when nothing is ready',
      withSelector(() => {
        const [a] = pair();
        sel.register(a, Interest.Readable, 'a');
        // A signal delivered to this thread (EINTR) ends a wait early with no events, which the
        // contract allows; so wait again for the rest, a bounded number of times.
        const t0 = performance.now();
        for (let i = 0; i < 5 && performance.now() - t0 < 25; i++) {
          assert.equal(sel.select(Math.max(1, Math.ceil(30 - (performance.now() - t0)))).length, 0);
        }
        assert.ok(performance.now() - t0 >= 25, 'waited about the timeout');
        assert.equal(sel.select(0).length, 0);
      }),
    );

    test(
      'reports a readable fd with its token, level-triggered',
      withSelector(() => {
        const [a, b] = pair();
        sel.register(a, Interest.Readable, 'tok-a');
        write(b, Buffer.from('x'));
        for (let i = 0; i < 2; i++) {
          const ev = byFd(sel.select(1000), a);
          assert.ok(ev, `readable reported (round ${i})`);
          assert.equal(ev.token, 'tok-a');
          assert.ok(ev.ready & Ready.Readable);
          assert.ok(!(ev.ready & Ready.Writable), 'not writable: not asked for');
        }
        read(a, Buffer.alloc(8));
        assert.equal(byFd(sel.select(0), a), undefined, 'drained: no longer reported');
      }),
    );

    test(
      'reports writable, and both at once when both are asked for',
      withSelector(() => {
        const [a, b] = pair();
        sel.register(a, Interest.Writable, 'w');
        assert.ok(byFd(sel.select(1000), a)!.ready & Ready.Writable);
        write(b, Buffer.from('y'));
        sel.modify(a, Interest.Readable | Interest.Writable, 'rw');
        const ev = byFd(sel.select(1000), a)!;
        assert.equal(ev.token, 'rw');
        assert.equal(ev.ready & (Ready.Readable | Ready.Writable), Ready.Readable | Ready.Writable);
        assert.equal(sel.select(0).filter((e) => e.fd === a).length, 1, 'one event per fd per wait');
      }),
    );

    test(
      'modify switches interest; unregister stops reports',
      withSelector(() => {
        const [a, b] = pair();
        write(b, Buffer.from('z'));
        sel.register(a, Interest.Writable, 'w');
        sel.modify(a, Interest.Readable, 'r');
        const ev = byFd(sel.select(1000), a)!;
        assert.equal(ev.ready & (Ready.Readable | Ready.Writable), Ready.Readable);
        sel.unregister(a);
        assert.equal(byFd(sel.select(0), a), undefined);
        assert.equal(sel.get(a), undefined);
        sel.register(a, Interest.Readable, 'again');
        assert.equal(byFd(sel.select(1000), a)!.token, 'again');
      }),
    );

    test(
      'a peer hang-up wakes a reader',
      withSelector(() => {
        const [a, b] = pair();
        sel.register(a, Interest.Readable, 'a');
        close(b);
        const ev = byFd(sel.select(1000), a);
        assert.ok(ev && ev.ready & Ready.Readable);
        assert.equal(read(a, Buffer.alloc(8)), 0, 'read sees EOF');
      }),
    );

    test(
      'many fds: only the ready ones are reported',
      withSelector(() => {
        const pairs = Array.from({ length: 50 }, () => pair());
        for (const [i, [a]] of pairs.entries()) sel.register(a, Interest.Readable, `p${i}`);
        for (const i of [3, 17, 42]) write(pairs[i]![1], Buffer.from('!')); // 50 pairs
        const got = sel
          .select(1000)
          .map((e) => e.token)
          .sort();
        assert.deepEqual(got, ['p17', 'p3', 'p42']);
        assert.equal(sel.stats().registered, 50);
        for (const [a] of pairs) sel.unregister(a);
      }),
    );

    test(
      'bad input: typed errors with stable codes',
      withSelector(() => {
        const [a, b] = pair();
        const code = (code: string) => (err: unknown) => (err as { code?: string }).code === code;
        assert.throws(() => sel.register(-1, Interest.Readable, 'x'), code('NBIO_BAD_FD'));
        assert.throws(() => sel.register(1.5, Interest.Readable, 'x'), code('NBIO_BAD_FD'));
        close(b);
        open.splice(open.indexOf(b), 1);
        assert.throws(() => sel.register(b, Interest.Readable, 'x'), code('NBIO_BAD_FD'));
        assert.throws(() => sel.register(a, 0, 'x'), code('NBIO_INVALID_ARGUMENT'));
        sel.register(a, Interest.Readable, 'x');
        assert.throws(() => sel.register(a, Interest.Readable, 'x'), code('NBIO_ALREADY_REGISTERED'));
        const [c] = pair();
        assert.throws(() => sel.modify(c, Interest.Readable, 'x'), code('NBIO_NOT_REGISTERED'));
        assert.throws(() => sel.unregister(c), code('NBIO_NOT_REGISTERED'));
        assert.throws(() => sel.select(Number.NaN), code('NBIO_INVALID_TIMEOUT'));
        assert.throws(() => sel.select(-5), code('NBIO_INVALID_TIMEOUT'));
        assert.match(
          String(
            (() => {
              try {
                sel.select(-5);
              } catch (e) {
                return (e as Error).message;
              }
            })(),
          ),
          /null to wait forever/,
        );
        if (!sel.capabilities.triggers.includes('edge')) {
          assert.throws(
            () => sel.modify(a, Interest.Readable | Interest.Edge, 'x'),
            code('NBIO_UNSUPPORTED'),
          );
        }
        // Still works after all that.
        sel.unregister(a);
      }),
    );

    test('after close(), every call is a ClosedResourceError; close() is idempotent', () => {
      const s = createSelector<string>(name);
      const [a] = pair();
      s.register(a, Interest.Readable, 'a');
      s.close();
      s.close();
      assert.ok(s.isClosed);
      for (const call of [
        () => s.register(a, Interest.Readable, 'a'),
        () => s.select(0),
        () => s.unregister(a),
      ]) {
        assert.throws(call, (e: unknown) => (e as { code?: string }).code === 'NBIO_CLOSED');
      }
      if (s.capabilities.pollableFd !== null) assert.ok(!isOpen(s.capabilities.pollableFd));
    });

    test(
      'an fd closed while registered does not wedge the selector',
      withSelector(() => {
        const [a, b] = pair();
        const [c, d] = pair();
        sel.register(a, Interest.Readable, 'a');
        sel.register(c, Interest.Readable, 'c');
        close(a);
        open.splice(open.indexOf(a), 1);
        write(d, Buffer.from('still here'));
        const events = sel.select(1000);
        const ec = byFd(events, c);
        assert.ok(ec && ec.ready & Ready.Readable, 'other fds keep being reported');
        const ea = byFd(events, a);
        if (ea) assert.ok(ea.ready & Ready.Invalid, 'a closed fd is only ever reported as Invalid');
        sel.unregister(a); // allowed after the close
        void b;
      }),
    );

    test(
      'wait forever (null) returns as soon as an fd becomes ready',
      withSelector(() => {
        const [a, b] = pair();
        sel.register(a, Interest.Readable, 'a');
        write(b, Buffer.from('now'));
        assert.ok(byFd(sel.select(null), a));
      }),
    );
  });
}
