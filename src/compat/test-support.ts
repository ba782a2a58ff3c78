/**
 * Test support for the compat layer (imported by its tests and the compat integration tests,
 * not re-exported): the loops every test runs on — the default guest loop, and a fresh loop
 * per backend and mode — descriptor counting per file, and loop-timed waits (a loop timer
 * bounds a wait even while an owner-mode loop blocks in select/poll, where Node's timers
 * cannot fire).
 *
 * @module
 */
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { after, before, describe } from 'node:test';
import { EventLoop, type RunMode } from '../loop/event-loop.ts';
import type { ExceptionContext } from '../loop/exceptions.ts';
import { availableBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { deadline as within } from '../testing/loop-configs.ts';
import { getDefaultLoop, setDefaultLoop } from './default-loop.ts';
import { createServer, type Server, type ServerOptions } from './server.ts';
import type { AddressInfo, Socket } from './socket.ts';

/** A loop to run a test on: the compat default loop, or a fresh one of a backend and mode. */
export interface LoopCase {
  readonly name: string;
  readonly backend: SelectorName | 'default';
  readonly mode: RunMode;
}

/** The default guest loop first, then every backend in every mode it supports. */
export function loopCases(): LoopCase[] {
  const out: LoopCase[] = [{ name: 'default guest loop', backend: 'default', mode: 'guest' }];
  for (const backend of availableBackends()) {
    const guestCapable = backend === 'epoll' || (backend === 'kqueue' && process.platform !== 'linux');
    if (guestCapable) out.push({ name: `${backend} guest`, backend, mode: 'guest' });
    out.push({ name: `${backend} owner`, backend, mode: 'owner' });
  }
  return out;
}

/** The default guest loop and an owner-mode poll loop (the integration tests' pair). */
export function defaultAndPoll(): LoopCase[] {
  return [
    { name: 'default guest loop', backend: 'default', mode: 'guest' },
    { name: 'poll owner', backend: 'poll', mode: 'owner' },
  ];
}

/**
 * Runs `fn(loop)` on the case's loop: the default loop is used as it is (a guest: nothing to
 * run); a fresh loop runs `fn` with `runUntilComplete` and is closed afterwards. Fails when the
 * loop dispatched no I/O callback meanwhile (then nbio did not carry the test's bytes; pass
 * `noBytes` for tests that move none), and when a callback threw into the loop's exception
 * handler (unless `allowExceptions`).
 */
export async function onLoop<T>(
  c: LoopCase,
  fn: (loop: EventLoop) => Promise<T>,
  { noBytes = false, allowExceptions = false }: { noBytes?: boolean; allowExceptions?: boolean } = {},
): Promise<T> {
  const errors: ExceptionContext[] = [];
  const handler = (ctx: ExceptionContext) => {
    errors.push(ctx);
  };
  let value: T;
  let ioCallbacks = 0;
  const counted = async (loop: EventLoop) => {
    const io0 = loop.stats().ioCallbacks;
    const v = await fn(loop);
    ioCallbacks = loop.stats().ioCallbacks - io0;
    return v;
  };
  if (c.backend === 'default') {
    const loop = getDefaultLoop();
    loop.setExceptionHandler(handler);
    try {
      value = await counted(loop);
    } finally {
      loop.setExceptionHandler(null);
    }
  } else {
    const loop = new EventLoop({ selector: c.backend, mode: c.mode, exceptionHandler: handler });
    try {
      value = await loop.runUntilComplete(() => counted(loop));
    } finally {
      loop.close();
    }
  }
  if (!noBytes) assert.ok(ioCallbacks > 0, 'the nbio loop dispatched I/O callbacks: nbio carried the bytes');
  if (!allowExceptions) {
    assert.deepEqual(
      errors.map((e) => `${e.message}: ${(e.error as Error)?.message}`),
      [],
      'no callback threw into the loop',
    );
  }
  return value;
}

/**
 * `describe(title)` whose `after` releases the default loop (so its two descriptors go) and
 * checks that the process has exactly the descriptors it had before the suite.
 */
export function describeWithFdCheck(title: string, body: () => void): void {
  describe(title, () => {
    let count = fdSnapshot();
    before(() => {
      count = fdSnapshot();
    });
    after(() => {
      setDefaultLoop(null)?.close();
      assert.deepEqual(fdsOpenedSince(count), [], 'every descriptor opened was closed');
    });
    body();
  });
}

/** Settles like `work`, or rejects after `ms` of loop time (shared with every layer's tests). */
export { within };

/** The arguments of the next `event` on `emitter` ('error' does not reject), bounded by loop time. */
export function nextEvent(
  loop: EventLoop,
  emitter: EventEmitter,
  event: string,
  ms = 5000,
): Promise<unknown[]> {
  return within(
    loop,
    ms,
    `'${event}' event`,
    new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args))),
  );
}

/** Resolves after `ms` of loop time. */
export function loopSleep(loop: EventLoop, ms: number): Promise<void> {
  return new Promise((resolve) => loop.callLater(ms, resolve));
}

/** Resolves once `pred()` holds, checking every `stepMs` of loop time; rejects after `ms`. */
export function until(
  loop: EventLoop,
  what: string,
  pred: () => boolean,
  ms = 5000,
  stepMs = 2,
): Promise<void> {
  const deadline = loop.time() + ms;
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pred()) resolve();
      else if (loop.time() >= deadline) reject(new Error(`timed out after ${ms} ms: ${what}`));
      else loop.callLater(stepMs, check);
    };
    check();
  });
}

/** A compat server listening on 127.0.0.1 on a free port; `onConnection` defaults to echo. */
export async function listen(
  loop: EventLoop,
  onConnection: (s: Socket) => void = (s) => s.pipe(s),
  options: ServerOptions = {},
): Promise<{ server: Server; port: number }> {
  const server = createServer({ ...options, loop }, onConnection);
  server.listen(0, '127.0.0.1');
  await nextEvent(loop, server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Closes `server` and waits for its 'close' (bounded by `ms` of loop time). */
export async function closeServer(loop: EventLoop, server: Server, ms = 5000): Promise<void> {
  const closed = nextEvent(loop, server, 'close', ms);
  server.close();
  await closed;
}
