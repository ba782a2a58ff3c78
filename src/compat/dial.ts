/**
 * `Dial`: one compat socket's connection attempt — checking `net`'s connect options, an
 * optional custom `lookup`, then nbio's `createConnection` (src/net/connect.ts), which
 * resolves other names with nbio's resolver and tries each address. Success reaches the
 * socket through its protocol's `connectionMade`; failures arrive as {@link NetError}s.
 *
 * @module
 */
import { isIP } from 'node:net';
import { describeValue, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { checkHost, ipLiteralAddress } from '../net/address.ts';
import { type ConnectRequest, createConnection } from '../net/connect.ts';
import type { Protocol } from '../net/protocol.ts';
import { type ConnectOptions, type LookupFunction, toFamily, toPort } from './connect-args.ts';
import { type NetErrorTarget, toNetError } from './net-error.ts';
import { NodeRangeError, NodeTypeError } from './node-errors.ts';

/** How often an owner-mode loop wakes while a custom lookup runs on Node's side (ms). */
const OWNER_WAKE_MS = 5;

/** Where to connect, checked. */
export type DialTarget =
  | { kind: 'path'; path: string }
  | { kind: 'host'; host: string; port: number; family: 'ipv4' | 'ipv6' | undefined }
  | {
      kind: 'lookup';
      host: string;
      port: number;
      lookup: LookupFunction;
      family: number;
      hints?: number | undefined;
    };

/**
 * Checks `net`'s connect options and says how to reach the target.
 * @throws InvalidArgumentError for a bad port, host, family or lookup, or for
 *   `localAddress`/`localPort` (NBIO_UNSUPPORTED: nbio does not bind before connecting)
 */
export function checkDialTarget(options: ConnectOptions): DialTarget {
  if (options.localAddress != null || options.localPort != null) {
    throw new InvalidArgumentError(
      'Compat sockets cannot bind before connecting (localAddress/localPort): leave them out.',
      'NBIO_UNSUPPORTED',
    );
  }
  if (typeof options.path === 'string') return { kind: 'path', path: options.path };
  // Port 0 passes net's checks; the attempt then fails with an 'error' (nbio refuses port 0
  // when it dials), after a custom lookup has run, instead of throwing here.
  const port = Number(options.port) === 0 ? 0 : toPort(options.port, 'connect');
  const host = checkHost(options.host ?? 'localhost');
  const family = toFamily(options.family);
  const { lookup } = options;
  if (lookup !== undefined && typeof lookup !== 'function') {
    throw new InvalidArgumentError('Invalid lookup option: pass a function with dns.lookup’s signature.');
  }
  const literal = ipLiteralAddress(host, port) !== null;
  // As net: an IP literal is used as it is (its family option ignored), never looked up.
  if (literal) return { kind: 'host', host, port, family: undefined };
  if (lookup === undefined) return { kind: 'host', host, port, family };
  return { kind: 'lookup', host, port, lookup, family: options.family ?? 0, hints: options.hints };
}

/**
 * Node's checks of a custom lookup's answer: an IP address (`ERR_INVALID_IP_ADDRESS`, a
 * TypeError) of family 4 or 6 (`ERR_INVALID_ADDRESS_FAMILY`, a RangeError with `host` and
 * `port`); null when it is usable.
 */
export function checkLookupAnswer(
  address: unknown,
  family: unknown,
  host: string,
  port: number,
): Error | null {
  if (typeof address !== 'string' || isIP(address) === 0) {
    return new NodeTypeError(
      'ERR_INVALID_IP_ADDRESS',
      `Invalid IP address: ${String(address)}`,
      `The custom lookup answered ${describeValue(address)} for '${host}': it must give an IP address.`,
    );
  }
  if (family !== 4 && family !== 6) {
    return Object.assign(
      new NodeRangeError(
        'ERR_INVALID_ADDRESS_FAMILY',
        `Invalid address family: ${String(family)} ${host}:${port}`,
        `The custom lookup answered family ${describeValue(family)} for '${host}': it must be 4 or 6.`,
      ),
      { host, port },
    );
  }
  return null;
}

/** What a Dial reports back. */
export interface DialEvents {
  /** A custom lookup answered (`net`'s `'lookup'` event arguments). */
  lookup(err: Error | null, address: string, family: number | undefined, host: string): void;
  /** The attempt failed; never called after `cancel()`. */
  failed(err: Error): void;
}

/** One attempt; see the module comment. */
export class Dial {
  readonly #loop: EventLoop;
  readonly #protocol: Protocol;
  readonly #options: { noDelay?: boolean | undefined; keepAlive?: boolean | undefined };
  readonly #events: DialEvents;
  #request: ConnectRequest | null = null;
  #ticker: TimerHandle | null = null;
  #done = false;
  /** Where the attempt goes, for error fields and messages. */
  target: NetErrorTarget;

  /** Starts at once; the outcome comes through `protocol.connectionMade` or `events.failed`. */
  constructor(
    loop: EventLoop,
    protocol: Protocol,
    target: DialTarget,
    options: { noDelay?: boolean | undefined; keepAlive?: boolean | undefined },
    events: DialEvents,
  ) {
    this.#loop = loop;
    this.#protocol = protocol;
    this.#options = options;
    this.#events = events;
    if (target.kind === 'path') {
      this.target = { path: target.path };
      this.#connect({ path: target.path });
    } else if (target.kind === 'host') {
      this.target = { address: target.host, port: target.port };
      this.#connect({ host: target.host, port: target.port, family: target.family });
    } else {
      this.target = { hostname: target.host };
      this.#lookup(target);
    }
  }

  /** Abandons the attempt (its socket, if any, is closed by nbio); no event follows. */
  cancel(): void {
    this.#done = true;
    this.#ticker?.cancel();
    this.#request?.cancel();
    this.#request = null;
  }

  #lookup(t: Extract<DialTarget, { kind: 'lookup' }>): void {
    this.#keepOwnerLoopWaking();
    try {
      // dns.lookup's own options type has no `undefined` hints: leave the key out instead.
      const options =
        t.hints === undefined
          ? { family: t.family, all: false }
          : { family: t.family, hints: t.hints, all: false };
      t.lookup(t.host, options, (err, address, family) => {
        this.#ticker?.cancel();
        if (this.#done) return;
        this.#events.lookup(err, address, family, t.host);
        if (this.#done) return;
        if (err) {
          this.#fail(err);
          return;
        }
        const wrong = checkLookupAnswer(address, family, t.host, t.port);
        if (wrong !== null) {
          this.#fail(wrong);
          return;
        }
        this.target = { address, port: t.port };
        this.#connect({ host: address, port: t.port });
      });
    } catch (err) {
      this.#ticker?.cancel();
      process.nextTick(() => this.#fail(err as Error)); // a lookup that throws, as net reports it
    }
  }

  /**
   * A custom lookup answers through Node's loop (dns, a thread pool, a timer). An owner-mode
   * loop blocked in its selector would hold that answer back until some nbio event woke it,
   * so while the lookup runs a short loop timer keeps it waking. Guest loops need nothing.
   */
  #keepOwnerLoopWaking(): void {
    const loop = this.#loop;
    if (loop.mode !== 'owner' || loop.isClosed) return;
    const tick = () => {
      this.#ticker = loop.isClosed ? null : loop.callLater(OWNER_WAKE_MS, tick);
    };
    tick();
  }

  #connect(target: {
    host?: string;
    port?: number;
    path?: string;
    family?: 'ipv4' | 'ipv6' | undefined;
  }): void {
    try {
      this.#request = createConnection(
        this.#loop,
        () => this.#protocol,
        { ...target, ...this.#options },
        this.#onResult,
      );
    } catch (err) {
      // A closed loop, or options nbio refused: reported as net reports connect errors.
      process.nextTick(() => this.#fail(err as Error));
    }
  }

  #onResult = (err: Error | null): void => {
    this.#request = null;
    if (err !== null)
      this.#fail(err); // success went through connectionMade
    else this.#done = true;
  };

  #fail(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#events.failed(toNetError(err, this.target));
  }
}
