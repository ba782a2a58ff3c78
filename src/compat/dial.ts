/**
 * `Dial`: one compat socket's connection attempt — checking `net`'s connect options, an
 * optional custom `lookup`, then nbio's `createConnection` (src/net/connect.ts), which
 * resolves other names with nbio's resolver and tries each address. Success reaches the
 * socket through its protocol's `connectionMade`; failures arrive as {@link NetError}s.
 *
 * @module
 */
import { getDefaultAutoSelectFamily, getDefaultAutoSelectFamilyAttemptTimeout, isIP } from 'node:net';
import { describeValue, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { checkHost, ipLiteralAddress } from '../net/address.ts';
import { type ConnectRequest, createConnection } from '../net/connect.ts';
import type { Protocol } from '../net/protocol.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { type ConnectOptions, type LookupFunction, toFamily, toPort } from './connect-args.ts';
import { type NetErrorTarget, toNetError } from './net-error.ts';
import { invalidArgType, NodeRangeError, NodeTypeError } from './node-errors.ts';

/** How often an owner-mode loop wakes while a custom lookup runs on Node's side (ms). */
const OWNER_WAKE_MS = 5;

/** Where to connect, checked. */
export type DialTarget =
  | { kind: 'path'; path: string }
  | {
      kind: 'host';
      host: string;
      port: number;
      family: 'ipv4' | 'ipv6' | undefined;
      /** Happy Eyeballs (`autoSelectFamily`): each attempt's time; undefined when off. */
      attemptTimeoutMs?: number | undefined;
      /** Bind before connecting. */
      local?: LocalEndpoint;
    }
  | {
      kind: 'lookup';
      host: string;
      port: number;
      lookup: LookupFunction;
      family: number;
      hints?: number | undefined;
      attemptTimeoutMs?: number | undefined;
      local?: LocalEndpoint;
    };

/** Node's floor for `autoSelectFamilyAttemptTimeout` (ms). */
const MIN_ATTEMPT_TIMEOUT_MS = 10;

/** `net`'s `autoSelectFamily` for a host name: the attempt timeout, or undefined when off. */
function autoSelectTimeout(options: ConnectOptions): number | undefined {
  const on = options.autoSelectFamily ?? getDefaultAutoSelectFamily();
  if (!on || (options.family !== undefined && options.family !== 0)) return undefined;
  const ms = options.autoSelectFamilyAttemptTimeout ?? getDefaultAutoSelectFamilyAttemptTimeout();
  return Math.max(MIN_ATTEMPT_TIMEOUT_MS, ms);
}

/** `localAddress`/`localPort` checked as `net` checks them (falsy ones left out, as `net`). */
export interface LocalEndpoint {
  localAddress?: string;
  localPort?: number;
}

/**
 * `net`'s checks of `localAddress` (an IP address: TypeError `ERR_INVALID_IP_ADDRESS`) and
 * `localPort` (a number: `ERR_INVALID_ARG_TYPE`); the endpoint to bind, as nbio's
 * `createConnection` takes it.
 */
function checkLocal(options: ConnectOptions): LocalEndpoint {
  const out: LocalEndpoint = {};
  const { localAddress, localPort } = options;
  if (localAddress) {
    if (typeof localAddress !== 'string' || isIP(localAddress) === 0) {
      throw new NodeTypeError(
        'ERR_INVALID_IP_ADDRESS',
        `Invalid IP address: ${String(localAddress)}`,
        `Invalid localAddress ${describeValue(localAddress)}: pass an IP address of this machine (or leave it out).`,
      );
    }
    out.localAddress = localAddress;
  }
  if (localPort) {
    if (typeof localPort !== 'number') throw invalidArgType('options.localPort', 'number', localPort);
    out.localPort = localPort;
  }
  return out;
}

/**
 * Checks `net`'s connect options and says how to reach the target.
 * @throws InvalidArgumentError for a bad port, host, family or lookup; Node's TypeError for a
 *   bad `localAddress`/`localPort`
 */
export function checkDialTarget(options: ConnectOptions): DialTarget {
  if (typeof options.path === 'string') return { kind: 'path', path: options.path };
  const local = checkLocal(options);
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
  if (literal) return { kind: 'host', host, port, family: undefined, local };
  const attemptTimeoutMs = autoSelectTimeout(options);
  if (lookup === undefined) return { kind: 'host', host, port, family, attemptTimeoutMs, local };
  const family0 = options.family ?? 0;
  return {
    kind: 'lookup',
    host,
    port,
    lookup,
    family: family0,
    hints: options.hints,
    attemptTimeoutMs,
    local,
  };
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
  /** Happy Eyeballs: each failed address's error (an AggregateError when all failed). */
  readonly #attemptErrors: Error[] = [];
  /** Where the attempt goes, for error fields and messages. */
  target: NetErrorTarget;
  /** Happy Eyeballs: `address:port` of each address tried (`net`'s `autoSelectFamilyAttemptedAddresses`). */
  attemptedAddresses: string[] | undefined;

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
      this.#connect({
        host: target.host,
        port: target.port,
        family: target.family,
        attemptTimeoutMs: target.attemptTimeoutMs,
        onResolved: this.#onResolved(target.host),
        ...target.local,
      });
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
      // With autoSelectFamily every address is asked for (all: true), as net does.
      const all = t.attemptTimeoutMs !== undefined;
      // dns.lookup's own options type has no `undefined` hints: leave the key out instead.
      const options =
        t.hints === undefined ? { family: t.family, all } : { family: t.family, hints: t.hints, all };
      t.lookup(t.host, options, (err, answer: unknown, family) => {
        this.#ticker?.cancel();
        if (this.#done) return;
        const list = lookupAnswers(answer, family);
        this.#events.lookup(err, list[0]?.address as string, list[0]?.family as number | undefined, t.host);
        if (this.#done) return;
        if (err) {
          this.#fail(err);
          return;
        }
        for (const a of list.length === 0 ? [{ address: undefined, family }] : list) {
          const wrong = checkLookupAnswer(a.address, a.family, t.host, t.port);
          if (wrong !== null) {
            this.#fail(wrong);
            return;
          }
        }
        const addresses = list.map((a) => a.address as string);
        const first = addresses[0] as string; // list is not empty (checked above)
        this.target = { address: first, port: t.port };
        if (addresses.length === 1) this.#connect({ host: first, port: t.port, ...t.local });
        else {
          this.#connect({
            host: first,
            port: t.port,
            addresses,
            attemptTimeoutMs: t.attemptTimeoutMs,
            ...t.local,
          });
        }
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

  /**
   * nbio's resolver answered for `host` (IP literals never ask it): `'lookup'` for each address,
   * or once with the error, as `net` emits it after `dns.lookup`.
   */
  #onResolved(host: string) {
    return (err: Error | null, addresses: readonly SocketAddress[]): void => {
      if (this.#done) return;
      if (err !== null) {
        this.#events.lookup(
          toNetError(err, { hostname: host }),
          undefined as unknown as string,
          undefined,
          host,
        );
        return;
      }
      for (const a of addresses) {
        if (a.family !== 'unix') this.#events.lookup(null, a.address, a.family === 'ipv4' ? 4 : 6, host);
      }
    };
  }

  #connect(target: {
    host?: string;
    port?: number;
    path?: string;
    family?: 'ipv4' | 'ipv6' | undefined;
    addresses?: string[];
    attemptTimeoutMs?: number | undefined;
    onResolved?: (err: Error | null, addresses: readonly SocketAddress[]) => void;
    localAddress?: string;
    localPort?: number;
  }): void {
    const he = target.attemptTimeoutMs === undefined ? {} : { onAttempt: this.#onAttempt };
    try {
      this.#request = createConnection(
        this.#loop,
        () => this.#protocol,
        { ...target, ...this.#options, ...he },
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

  /** Happy Eyeballs: an address is tried (`err` null) or failed. */
  #onAttempt = (addr: SocketAddress, err: Error | null): void => {
    if (addr.family === 'unix') return;
    if (err === null) (this.attemptedAddresses ??= []).push(`${addr.address}:${addr.port}`);
    else this.#attemptErrors.push(toNetError(err, { address: addr.address, port: addr.port }));
  };

  #fail(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    const errors = this.#attemptErrors;
    if (errors.length < 2) {
      this.#events.failed(toNetError(err, this.target));
      return;
    }
    // As net's autoSelectFamily: every address failed, each with its own error.
    const all = new AggregateError(errors, errors.map((e) => e.message).join('; '));
    this.#events.failed(Object.assign(all, { code: (errors[0] as { code?: string }).code }));
  }
}

/** A lookup's answer as a list: `all: true` gives an array, `all: false` one address and family. */
function lookupAnswers(answer: unknown, family: unknown): { address: unknown; family: unknown }[] {
  if (Array.isArray(answer)) {
    return answer.map((a: { address?: unknown; family?: unknown }) => ({
      address: a?.address,
      family: a?.family,
    }));
  }
  return answer === undefined || answer === null ? [] : [{ address: answer, family }];
}
