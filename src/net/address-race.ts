/**
 * `AddressRace`: how `createConnection` (connect.ts) goes through a name's addresses — for
 * each in turn `socket()`, the optional `bind()`, then a non-blocking `connect()` and a wait
 * until writable (or, on io_uring, an `IORING_OP_CONNECT` request); a failed attempt is
 * reported to `onAttempt` and the next address is tried. With Happy Eyeballs
 * (happy-eyeballs.ts) the addresses are interleaved by family and an attempt that takes longer
 * than `attemptTimeoutMs` is abandoned (its socket closed) for the next one.
 *
 * The connect attempt extends it and says what winning, losing and being settled mean; this
 * class owns the socket in flight and closes it on every path it abandons.
 *
 * @module
 */
import { ConnectionRefusedError, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { ETIMEDOUT, OsError } from '../sys/errno.ts';
import { close as closeFd } from '../sys/fd.ts';
import { encodeSockaddr, familyOf, type SocketAddress } from '../sys/sockaddr.ts';
import { bind, connect, describe, getSocketError, socket } from '../sys/socket.ts';
import { ipLiteralAddress } from './address.ts';
import type { ConnectOptions } from './connect.ts';
import type { CheckedConnect } from './connect-options.ts';
import { interleaveFamilies } from './happy-eyeballs.ts';

/** Tries a connection's addresses one after another until one connects or none is left. */
export abstract class AddressRace {
  /** `"connect → 127.0.0.1:7000"`: how the flight recorder names the connecting socket. */
  get label(): string {
    return `connect → ${this.#current === null ? this.#c.target : describe(this.#current)}`;
  }

  readonly #loop: EventLoop;
  readonly #c: CheckedConnect;
  #addresses: SocketAddress[] = [];
  #next = 0;
  #fd = -1;
  #current: SocketAddress | null = null;
  #writerAdded = false;
  /** io_uring: the CONNECT request in flight (op id), 0 when none. */
  #connectOp = 0;
  /** Happy Eyeballs: moves on from a slow address (happy-eyeballs.ts). */
  #attemptTimer: TimerHandle | null = null;
  #lastError: Error | null = null;

  /** Races on `loop` for the checked options `c` (nothing starts before {@link AddressRace.race}). */
  constructor(loop: EventLoop, c: CheckedConnect) {
    this.#loop = loop;
    this.#c = c;
  }

  /** True once the connection attempt has an outcome: the race then stops. */
  protected abstract get settled(): boolean;

  /** An address connected: {@link AddressRace.takeSocket} hands over its socket. */
  protected abstract raceWon(): void;

  /** No address is left: `err` is the last attempt's error (or says none was given). */
  protected abstract raceLost(err: Error): void;

  /** Starts racing `addresses` (Happy Eyeballs interleaves the families; otherwise the order is the resolver's). */
  protected race(addresses: SocketAddress[]): void {
    this.#addresses =
      this.#c.options.attemptTimeoutMs === undefined ? addresses : interleaveFamilies(addresses);
    this.#tryNext();
  }

  /** The connected socket, now the caller's to close. */
  protected takeSocket(): number {
    const fd = this.#fd;
    this.#fd = -1;
    return fd;
  }

  /** Cancels the Happy Eyeballs timer of the attempt in flight. */
  protected stopAttemptTimer(): void {
    this.#attemptTimer?.cancel();
    this.#attemptTimer = null;
  }

  /** Closes the socket of the attempt in flight (its watcher or io_uring request first). */
  protected dropCurrent(): void {
    if (this.#fd < 0) return;
    if (this.#writerAdded) this.#loop.removeWriter(this.#fd);
    this.#writerAdded = false;
    // The request holds the socket open until it ends: cancel it before the close.
    if (this.#connectOp !== 0) this.#loop.completion?.cancel(this.#connectOp);
    this.#connectOp = 0;
    closeFd(this.#fd);
    this.#fd = -1;
  }

  /** The attempt on `addr` failed with `err`: remember and report it. */
  #attemptFailed(addr: SocketAddress, err: unknown): void {
    this.stopAttemptTimer();
    this.#lastError = connectError(err, addr);
    this.#c.options.onAttempt?.(addr, this.#lastError);
  }

  /** An attempt is in flight: with Happy Eyeballs and addresses left, give it its time. */
  #armAttemptTimer(): void {
    const ms = this.#c.options.attemptTimeoutMs;
    if (ms !== undefined && this.#next < this.#addresses.length) {
      this.#attemptTimer = this.#loop.callLater(ms, this.#onAttemptTimeout);
    }
  }

  /** Happy Eyeballs: the current address was too slow; abandon it and try the next. */
  #onAttemptTimeout = (): void => {
    this.#attemptTimer = null;
    if (this.settled) return;
    this.dropCurrent();
    const addr = this.#current!; // an attempt was in flight
    this.#attemptFailed(addr, new OsError('connect', ETIMEDOUT, describe(addr)));
    this.#tryNext();
  };

  /** Starts connecting to the next address; loses with the last error when none is left. */
  #tryNext(): void {
    while (!this.settled && this.#next < this.#addresses.length) {
      const addr = this.#addresses[this.#next++]!; // #next < length (loop condition)
      this.#current = addr;
      this.#c.options.onAttempt?.(addr, null);
      let fd = -1;
      try {
        fd = socket(familyOf(addr), 'stream');
        const local = localEndpoint(this.#c.options, addr);
        if (local !== null) bind(fd, local);
        const cq = this.#loop.completion;
        if (cq !== null) {
          const id = cq.connect(fd, encodeSockaddr(addr), (res) => this.#onConnected(id, res));
          this.#fd = fd;
          this.#connectOp = id;
          this.#armAttemptTimer();
          return;
        }
        if (connect(fd, addr) === 'connected') {
          this.#fd = fd;
          this.raceWon();
          return;
        }
        this.#loop.addWriter(fd, this.#onWritable, this);
        this.#fd = fd;
        this.#writerAdded = true;
        this.#armAttemptTimer();
        return;
      } catch (err) {
        if (fd >= 0) closeFd(fd);
        this.#attemptFailed(addr, err);
      }
    }
    if (!this.settled) {
      this.raceLost(this.#lastError ?? new InvalidArgumentError(`'${this.#c.host}' resolved to no address.`));
    }
  }

  #onWritable = (): void => {
    const fd = this.#fd;
    this.#loop.removeWriter(fd);
    this.#writerAdded = false;
    let errno: number;
    try {
      errno = getSocketError(fd);
      // A userspace kqueue read SO_ERROR itself (clearing it) and kept the errno for us.
      if (errno === 0) errno = this.#loop.selector.takeSocketError?.(fd) ?? 0;
    } catch (err) {
      errno = err instanceof OsError ? err.errno : -1;
    }
    if (errno === 0) {
      this.raceWon();
      return;
    }
    this.#fd = -1;
    closeFd(fd);
    const addr = this.#current!;
    this.#attemptFailed(addr, new OsError('connect', errno, describe(addr)));
    this.#tryNext();
  };

  /** io_uring: the CONNECT request `id` completed with `res` (0 or −errno). */
  #onConnected(id: number, res: number): void {
    if (this.#connectOp !== id) return; // cancelled by dropCurrent: its socket is closed already
    this.#connectOp = 0;
    if (res === 0) {
      this.raceWon();
      return;
    }
    const fd = this.#fd;
    this.#fd = -1;
    closeFd(fd);
    const addr = this.#current!;
    this.#attemptFailed(addr, new OsError('connect', -res, describe(addr)));
    this.#tryNext();
  }
}

function connectError(err: unknown, addr: SocketAddress): Error {
  if (err instanceof OsError) {
    const refused = err.code === 'ECONNREFUSED' || (addr.family === 'unix' && err.code === 'ENOENT');
    if (refused) return new ConnectionRefusedError(describe(addr), { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Where to bind an attempt's socket to reach `target`, or null to let connect() pick. */
function localEndpoint(options: ConnectOptions, target: SocketAddress): SocketAddress | null {
  const { localAddress, localPort } = options;
  if (target.family === 'unix' || (localAddress === undefined && !localPort)) return null;
  const host = localAddress ?? (target.family === 'ipv4' ? '0.0.0.0' : '::');
  return ipLiteralAddress(host, localPort ?? 0);
}
