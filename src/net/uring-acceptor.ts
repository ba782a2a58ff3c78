/**
 * `UringAcceptor`: accepting on a listening socket through one multishot `IORING_OP_ACCEPT`
 * (`IORING_ACCEPT_MULTISHOT`, Linux 5.19) instead of readiness plus `accept4()`. The kernel
 * posts one completion per connection, with the new descriptor as the result and
 * `IORING_CQE_F_MORE` set while the request stays armed: no system call per connection.
 *
 * - **Re-arming.** A completion without `F_MORE` is the request's last (an error such as
 *   EMFILE, a cancel, or the kernel ending it for its own reasons, docs/backends/io_uring.md):
 *   unless the acceptor was paused or stopped, a new request is submitted at once (it goes out
 *   with the rest of the iteration's submissions).
 * - **Pausing** (the listener backs off on EMFILE/ENFILE/ENOBUFS/ENOMEM) cancels the request;
 *   connections it accepted before the cancel landed are still delivered.
 * - **Stopping** cancels the request for good. The request holds the listening socket open
 *   until it ends, so a connection may still be accepted between `stop()` and the cancel: its
 *   descriptor is closed at once (counted in {@link UringAcceptor.closedAfterStop}); no
 *   descriptor is ever left open or closed twice.
 *
 * @module
 */
import type { CompletionQueue, OpOwner } from '../completion/completion.ts';
import { close as closeFd } from '../sys/fd.ts';

const ECANCELED = 125;

/** What an acceptor tells its listener. */
export interface UringAcceptorHandlers {
  /** A new connection: the listener owns `fd` from now on. */
  accepted(fd: number): void;
  /** An accept error (`errno` > 0; never ECANCELED); the request is re-armed after it unless paused. */
  failed(errno: number): void;
  /** Who the accept completions belong to, as the flight recorder names them (the listener). */
  readonly owner?: OpOwner;
}

/** Multishot accept on io_uring; see the module comment. */
export class UringAcceptor {
  readonly #cq: CompletionQueue;
  readonly #fd: number;
  readonly #handlers: UringAcceptorHandlers;
  /** The accept request in flight (op id), 0 when none. */
  #op = 0;
  #paused = true;
  #stopped = false;
  #arms = 0;
  #closedAfterStop = 0;

  /** Does not submit anything: call {@link UringAcceptor.start}. */
  constructor(cq: CompletionQueue, listenFd: number, handlers: UringAcceptorHandlers) {
    this.#cq = cq;
    this.#fd = listenFd;
    this.#handlers = handlers;
  }

  /** Accept requests submitted so far (1 while one multishot request serves every connection). */
  get arms(): number {
    return this.#arms;
  }

  /** The request in flight (its op id, for tests and tracing), 0 when none. */
  get opId(): number {
    return this.#op;
  }

  /** Connections the kernel accepted after {@link UringAcceptor.stop}, closed at once. */
  get closedAfterStop(): number {
    return this.#closedAfterStop;
  }

  /** Arms the multishot request (again after a pause); nothing once stopped. */
  start(): void {
    if (this.#stopped) return;
    this.#paused = false;
    if (this.#op === 0) this.#arm();
  }

  /** Cancels the request until the next {@link UringAcceptor.start}. */
  pause(): void {
    this.#paused = true;
    if (this.#op !== 0) this.#cq.cancel(this.#op);
  }

  /** Cancels the request for good; connections accepted before the cancel lands are closed. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#paused = true;
    if (this.#op !== 0) this.#cq.cancel(this.#op);
  }

  #arm(): void {
    this.#arms++;
    const id = this.#cq.accept(
      this.#fd,
      true,
      (res, more) => this.#onAccept(id, res, more),
      this.#handlers.owner ?? null,
    );
    this.#op = id;
  }

  #onAccept(id: number, res: number, more: boolean): void {
    if (!more && this.#op === id) this.#op = 0;
    try {
      if (res >= 0) {
        if (this.#stopped) {
          closeFd(res);
          this.#closedAfterStop++;
        } else this.#handlers.accepted(res);
      } else if (res !== -ECANCELED && !this.#stopped) {
        this.#handlers.failed(-res);
      }
    } finally {
      // The request ended (an error, a cancel that was not ours, the kernel's own reasons): again.
      if (!more && this.#op === 0 && !this.#paused && !this.#stopped) this.#arm();
    }
  }
}
