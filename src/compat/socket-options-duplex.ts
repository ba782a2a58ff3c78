/**
 * `SocketOptionsDuplex`: the part of `net.Socket`'s surface that tunes a connection — the idle
 * timeout (`setTimeout`, `timeout`) and the TCP options (`setNoDelay`, `setKeepAlive`), recorded
 * before there is a handle and applied through the handle once there is one, as `net` does.
 * The compat `Socket` (socket.ts) extends it (between {@link AddressedDuplex} and `Socket`); it owns
 * the idle timer and the recorded options, and reaches the socket's handle through
 * {@link SocketOptionsDuplex._optionsHandle}.
 *
 * @module
 */
import type { DuplexOptions } from 'node:stream';
import type { EventLoop } from '../loop/event-loop.ts';
import { AddressedDuplex } from './addressed-duplex.ts';
import type { SocketOptions } from './connect-args.ts';
import { IdleTimer } from './idle-timer.ts';
import { checkNodeTimeout } from './node-errors.ts';
import { rethrowOutsideLoop } from './rethrow.ts';
import { keepAliveSeconds, type NbioTcpHandle } from './tcp-handle.ts';

/** The options {@link SocketOptionsDuplex} records from `new Socket()` and `connect()`. */
export type ConnectTuning = Pick<SocketOptions, 'noDelay' | 'keepAlive' | 'keepAliveInitialDelay'>;

/** A Duplex with `net.Socket`'s idle timeout and TCP options; see the module comment. */
export abstract class SocketOptionsDuplex extends AddressedDuplex {
  readonly #timer: IdleTimer;
  /** `net`'s kSetNoDelay / kSetKeepAlive / kSetKeepAliveInitialDelay (seconds). */
  #noDelay: boolean;
  #keepAlive: boolean;
  #keepAliveDelaySec: number;

  /**
   * @param duplexOptions passed on to `Duplex`
   * @param loop the loop the idle timer runs on
   * @param options the socket's `noDelay`, `keepAlive` and `keepAliveInitialDelay`
   */
  constructor(duplexOptions: DuplexOptions, loop: EventLoop, options: ConnectTuning) {
    super(duplexOptions);
    this.#timer = new IdleTimer(loop, () => {
      rethrowOutsideLoop(() => this.emit('timeout'));
    });
    this.#noDelay = options.noDelay === undefined ? true : Boolean(options.noDelay);
    this.#keepAlive = Boolean(options.keepAlive);
    this.#keepAliveDelaySec = keepAliveSeconds(options.keepAliveInitialDelay);
  }

  /** @internal The socket's handle, null before `connect()` and once destroyed. */
  protected abstract _optionsHandle(): NbioTcpHandle | null;

  /** @internal The idle timer (`'timeout'`): the socket touches it on I/O and stops it. */
  protected get _idleTimer(): IdleTimer {
    return this.#timer;
  }

  /** @internal TCP_NODELAY as recorded (default true), for the transport being made. */
  protected get _noDelay(): boolean {
    return this.#noDelay;
  }

  /** @internal connect()'s `noDelay`, `keepAlive`, `keepAliveInitialDelay`: those given replace. */
  protected _recordConnectOptions(options: ConnectTuning): void {
    if (options.noDelay !== undefined) this.#noDelay = Boolean(options.noDelay);
    if (options.keepAlive !== undefined) this.#keepAlive = Boolean(options.keepAlive);
    if (options.keepAliveInitialDelay !== undefined) {
      this.#keepAliveDelaySec = keepAliveSeconds(options.keepAliveInitialDelay);
    }
  }

  /** @internal An accepted socket gets its server's keep-alive delay (seconds), as `net`. */
  protected _setKeepAliveDelaySec(delaySec: number): void {
    this.#keepAliveDelaySec = delaySec;
  }

  /** @internal Once connected: SO_KEEPALIVE through the handle if it was asked for. */
  protected _applyKeepAlive(handle: NbioTcpHandle): void {
    if (this.#keepAlive) handle.setKeepAlive(true, this.#keepAliveDelaySec);
  }

  /**
   * Emits `'timeout'` after `ms` without reading or writing (0 turns it off); the socket is
   * not destroyed (as in `net`). `listener` is added once for `'timeout'` (removed for 0).
   * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-numeric `ms` or a listener that is not a
   *   function; RangeError `ERR_OUT_OF_RANGE` for a negative or non-finite `ms` (as `net`)
   */
  setTimeout(ms: number, listener?: () => void): this {
    checkNodeTimeout(ms, listener);
    if (listener !== undefined) {
      if (ms === 0) this.removeListener('timeout', listener);
      else this.once('timeout', listener);
    }
    if (this.destroyed) return this;
    this.#timer.set(ms);
    return this;
  }

  /** The idle timeout set with `setTimeout` (undefined when off). */
  get timeout(): number | undefined {
    return this.#timer.ms > 0 ? this.#timer.ms : undefined;
  }

  /**
   * Assigning (`socket.timeout = 0`, as some `net` code does) sets the idle timeout like
   * `setTimeout(ms)` without a listener.
   * @throws as {@link SocketOptionsDuplex.setTimeout}
   */
  set timeout(ms: number | undefined) {
    this.setTimeout(ms ?? 0);
  }

  /**
   * TCP_NODELAY, through `_handle.setNoDelay` when it changes (as `net`); before `connect()`,
   * recorded for the connection. Default true in nbio.
   */
  setNoDelay(noDelay?: boolean): this {
    const enable = noDelay === undefined ? true : Boolean(noDelay);
    const handle = this._optionsHandle();
    if (handle === null) this.#noDelay = enable;
    else if (enable !== this.#noDelay) {
      this.#noDelay = enable;
      handle.setNoDelay(enable);
    }
    return this;
  }

  /**
   * SO_KEEPALIVE, through `_handle.setKeepAlive(enable, seconds)` when the setting or the delay
   * changes (as `net`: `~~(initialDelayMs / 1000)`); before `connect()`, recorded for the
   * connection. The delay, in whole seconds as `net`, sets the idle time before the first probe.
   */
  setKeepAlive(enable?: boolean, initialDelayMs?: number): this {
    const on = Boolean(enable);
    const delaySec = keepAliveSeconds(initialDelayMs);
    const handle = this._optionsHandle();
    if (handle === null) {
      this.#keepAlive = on;
      this.#keepAliveDelaySec = delaySec;
    } else if (on !== this.#keepAlive || (on && delaySec !== this.#keepAliveDelaySec)) {
      this.#keepAlive = on;
      this.#keepAliveDelaySec = delaySec;
      handle.setKeepAlive(on, delaySec);
    }
    return this;
  }
}
