/**
 * `createConnection`: a client stream connection (TCP or Unix) made without blocking:
 * resolve the name (resolver.ts, in the offload pool) unless it is an IP literal, then for
 * each address in order: `socket()`, non-blocking `connect()` → `'in-progress'` → wait until
 * writable → read `SO_ERROR`; the first that connects wins, a failure moves on to the next
 * (address-race.ts, which also runs Happy Eyeballs).
 * On io_uring the kernel connects instead (`IORING_OP_CONNECT`, no `connect()` call and no
 * readiness wait); a failure, timeout or cancel cancels the request before the socket closes.
 *
 * ## The callback
 * Called exactly once, never synchronously (always from a loop callback), with either an
 * error and nothing else, or `(null, transport, protocol)`. The protocol factory is called
 * only once a socket has connected, so after an error no protocol was ever created. On
 * success `connectionMade` has already run (as in asyncio) when the callback is called.
 * Every failure path closes the socket it opened: no descriptor is left behind. `loop.close()`
 * while an attempt is still connecting closes its socket and calls back at once, inside
 * `close()`, with `ClosedResourceError`.
 *
 * | failure                           | error                                       |
 * |-----------------------------------|---------------------------------------------|
 * | nobody listens (ECONNREFUSED)     | `ConnectionRefusedError` (OsError as cause) |
 * | `timeoutMs` passed                | `TimeoutError`                              |
 * | `signal` aborted, or `cancel()`   | `AbortedError` (the reason as cause)        |
 * | `loop.close()` while connecting   | `ClosedResourceError`                       |
 * | the name does not resolve         | `NameResolutionError` (from the resolver)   |
 * | anything else                     | the `OsError` (ENETUNREACH, EMFILE …)       |
 *
 * Bad options (a port out of range, both `path` and `host` …) throw `InvalidArgumentError`
 * from `createConnection` itself, and then the callback is never called (libuv's rule).
 *
 * @module
 */
import { AbortedError, ClosedResourceError, InvalidArgumentError, TimeoutError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { close as closeFd } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { ipLiteralAddress } from './address.ts';
import { AddressRace } from './address-race.ts';
import { type CheckedConnect, checkConnectOptions } from './connect-options.ts';
import type { HappyEyeballsOptions } from './happy-eyeballs.ts';
import type { Protocol } from './protocol.ts';
import { resolve } from './resolver.ts';
import { SocketTransport, type SocketTransportOptions } from './socket-transport.ts';
import type { Transport } from './transport.ts';
import { UringTransport } from './uring-transport.ts';

/** Options for {@link createConnection}. */
export interface ConnectOptions extends Omit<SocketTransportOptions, 'onClosed'>, HappyEyeballsOptions {
  /** IP literal or host name; default `'localhost'` (as Node). */
  host?: string;
  /** TCP port, 1–65535; required unless `path` is given. */
  port?: number;
  /** A Unix socket path instead of host/port. */
  path?: string;
  /** Give up after this many ms (resolution and every attempt included); default (also `undefined`): never. */
  timeoutMs?: number | undefined;
  /** Aborting it cancels the attempt with `AbortedError` (`undefined`: not cancellable). */
  signal?: AbortSignal | undefined;
  /** Only addresses of this family (passed to the resolver; checked against IP literals). */
  family?: 'ipv4' | 'ipv6' | undefined;
  /**
   * Told once a host name was resolved (the addresses, or the resolver's error), before the
   * first attempt; not for IP literals, paths or `addresses`. Node's `'lookup'` event.
   */
  onResolved?: ((err: Error | null, addresses: readonly SocketAddress[]) => void) | undefined;
  /**
   * Bind each attempt's socket to this local IP address before connecting (Node's
   * `localAddress`); with `localPort` alone, the attempt's family's wildcard address. A failed
   * bind fails that attempt (`OsError`, syscall `bind`).
   */
  localAddress?: string | undefined;
  /** Bind to this local port before connecting (0 or `undefined`: an ephemeral one). */
  localPort?: number | undefined;
}

/** Receives the outcome of {@link createConnection}: an error, or the transport and protocol. */
export type ConnectCallback<P extends Protocol = Protocol> = (
  err: Error | null,
  transport?: Transport,
  protocol?: P,
) => void;

/** A connection attempt in flight. */
export interface ConnectRequest {
  /** Abandons the attempt: the callback gets `AbortedError` with `reason` as cause. No-op once settled. */
  cancel(reason?: unknown): void;
}

/**
 * Connects to `options.host`:`options.port` or `options.path`; see the module comment.
 * @throws InvalidArgumentError for bad options (the callback is then never called)
 * @example
 * createConnection(loop, () => new MyProtocol(), { host: '127.0.0.1', port: 8080, timeoutMs: 5000 },
 *   (err, transport) => { if (err) console.error(err.message); else transport!.write('hello'); });
 */
export function createConnection<P extends Protocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  options: ConnectOptions,
  callback: ConnectCallback<P>,
): ConnectRequest {
  if (typeof protocolFactory !== 'function' || typeof callback !== 'function') {
    throw new InvalidArgumentError(
      'createConnection needs a protocol factory and a callback: pass two functions.',
    );
  }
  if (options?.onResolved !== undefined && typeof options.onResolved !== 'function') {
    throw new InvalidArgumentError('Invalid onResolved: pass a function (error, addresses).');
  }
  checkLocalEndpoint(options);
  const attempt = new Attempt(loop, protocolFactory, checkConnectOptions(options), callback);
  return { cancel: (reason) => attempt.cancel(reason) };
}

/** One createConnection call's state: exactly one outcome, every descriptor closed. */
class Attempt<P extends Protocol> extends AddressRace {
  readonly #loop: EventLoop;
  readonly #factory: () => P;
  readonly #c: CheckedConnect;
  readonly #callback: ConnectCallback<P>;
  #settled = false;
  #resolving: { cancel(): void } | null = null;
  #timer: TimerHandle | null = null;
  #unregisterLoopClose: (() => void) | null = null;

  constructor(loop: EventLoop, factory: () => P, c: CheckedConnect, callback: ConnectCallback<P>) {
    super(loop, c);
    this.#loop = loop;
    this.#factory = factory;
    this.#c = c;
    this.#callback = callback;
    const { signal, timeoutMs } = c.options;
    if (signal?.aborted) {
      this.#fail(this.#abortedError('aborted before it started', signal.reason));
      return;
    }
    loop.callSoon(this.#start);
    this.#unregisterLoopClose = loop.onClose(this.#onLoopClose);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (timeoutMs !== undefined) this.#timer = loop.callLater(timeoutMs, this.#onTimeout);
  }

  cancel(reason: unknown): void {
    this.#fail(this.#abortedError('cancelled', reason));
  }

  protected override get settled(): boolean {
    return this.#settled;
  }

  protected override raceWon(): void {
    this.#succeed();
  }

  protected override raceLost(err: Error): void {
    this.#fail(err);
  }

  #start = (): void => {
    if (this.#settled) return;
    const c = this.#c;
    if (c.addresses !== null) {
      this.race(c.addresses);
      return;
    }
    const { family, signal } = c.options;
    try {
      this.#resolving = resolve(this.#loop, c.host, { family, signal }, this.#onResolved);
    } catch (err) {
      this.#fail(err as Error); // the host was checked already; this is a last line of defence
    }
  };

  #onResolved = (err: Error | null, addresses: SocketAddress[]): void => {
    this.#resolving = null;
    if (this.#settled) return;
    try {
      this.#c.options.onResolved?.(err, addresses);
    } catch (e) {
      this.#fail(e as Error); // the observer failed: the attempt ends with its error
      return;
    }
    if (this.#settled) return; // onResolved cancelled the attempt
    if (err !== null) {
      this.#fail(err);
      return;
    }
    this.race(addresses.map((a) => ({ ...a, port: this.#c.port }) as SocketAddress));
  };

  #succeed(): void {
    this.#settle();
    const fd = this.takeSocket();
    let protocol: P;
    let transport: SocketTransport | UringTransport;
    try {
      protocol = this.#factory();
    } catch (err) {
      closeFd(fd);
      this.#loop.callSoon(this.#callback, err as Error);
      return;
    }
    try {
      const { noDelay, keepAlive, writeBufferLimits, lingerMs } = this.#c.options;
      const topts = {
        noDelay,
        keepAlive,
        writeBufferLimits,
        ...(lingerMs === undefined ? {} : { lingerMs }),
      };
      // On io_uring the connection is completion-native (see uring-transport.ts).
      transport =
        this.#loop.completion !== null
          ? new UringTransport(this.#loop, fd, protocol, topts)
          : new SocketTransport(this.#loop, fd, protocol, topts);
    } catch (err) {
      closeFd(fd);
      this.#loop.callSoon(this.#callback, err as Error);
      return;
    }
    // Queued after the transport's connectionMade, so that one runs first (asyncio's order).
    this.#loop.callSoon(this.#callback, null, transport, protocol);
  }

  #onAbort = (): void => {
    this.#fail(this.#abortedError('aborted', this.#c.options.signal?.reason));
  };

  /** loop.close() while connecting: close the socket, call back now (no loop turn follows). */
  #onLoopClose = (): void => {
    this.#fail(
      new ClosedResourceError(
        `Connecting to ${this.#c.target} was cut short: the event loop was closed. Connect on an open loop.`,
      ),
      true,
    );
  };

  #onTimeout = (): void => {
    this.#timer = null;
    this.#fail(
      new TimeoutError(
        `Connecting to ${this.#c.target} timed out after ${this.#c.options.timeoutMs} ms. Check that the server is up and reachable, or allow more time.`,
      ),
    );
  };

  #abortedError(what: string, reason: unknown): AbortedError {
    return new AbortedError(`Connecting to ${this.#c.target} was ${what}.`, { cause: reason });
  }

  /** Settles with `err`: releases everything now, calls back on the next loop turn (or `now`). */
  #fail(err: Error, now = false): void {
    if (this.#settled) return;
    this.#settle();
    this.dropCurrent();
    this.#resolving?.cancel();
    this.#resolving = null;
    if (now || this.#loop.isClosed) this.#callback(err);
    else this.#loop.callSoon(this.#callback, err);
  }

  /** Marks the attempt settled and drops the timer and the abort listener. */
  #settle(): void {
    this.#settled = true;
    this.#unregisterLoopClose?.();
    this.#unregisterLoopClose = null;
    this.#timer?.cancel();
    this.#timer = null;
    this.stopAttemptTimer();
    this.#c.options.signal?.removeEventListener('abort', this.#onAbort);
  }
}

/**
 * `localAddress` must be an IP address, `localPort` a port number (0–65535).
 * @throws InvalidArgumentError otherwise
 */
function checkLocalEndpoint(options: ConnectOptions): void {
  const { localAddress, localPort } = options ?? {};
  if (
    localAddress !== undefined &&
    (typeof localAddress !== 'string' || ipLiteralAddress(localAddress, 0) === null)
  ) {
    throw new InvalidArgumentError(
      `Invalid localAddress ${JSON.stringify(localAddress)}: pass an IP address of this machine (or leave it out).`,
    );
  }
  if (localPort !== undefined && (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535)) {
    throw new InvalidArgumentError(`Invalid localPort ${String(localPort)}: pass 0–65535 (or leave it out).`);
  }
}
