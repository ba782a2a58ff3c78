/**
 * Thread-safe calls into a loop. Functions cannot cross to a worker thread (they are not
 * structured-cloneable), so a thread-safe call is a *message*: the worker posts cloneable data
 * to a MessagePort the loop owns, then writes the loop's waker, so a loop blocked in
 * `select()` wakes at once. The loop pulls the messages synchronously
 * (`receiveMessageOnPort`) when the waker fires, so delivery does not depend on Node's own
 * loop turning (owner mode may be blocked in the kernel) and the loop's port never keeps the
 * process alive.
 *
 * Loop side: `loop.openChannel(onMessage)` → {@link ThreadsafeChannel}; pass its `endpoint`
 * to the worker (in `workerData`, with `endpoint.port` in the transfer list). Worker side:
 * `new ThreadsafeSender(endpoint).post(data)`.
 *
 * @module
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { wakeFd } from './waker.ts';

/** What a worker needs to call into the loop: a port and the waker's fd. Transfer the port. */
export interface ChannelEndpoint {
  /** Port to post messages to (put it in the transfer list). */
  port: MessagePort;
  /** The loop's waker fd (descriptors are shared by all threads of a process). */
  wakeFd: number;
  /** True when `wakeFd` is an eventfd (8-byte writes) rather than a pipe. */
  isEventfd: boolean;
}

/** The loop's end of a thread-safe channel. */
export class ThreadsafeChannel {
  /** Hand this to the worker. */
  readonly endpoint: ChannelEndpoint;
  readonly #port: MessagePort;
  readonly #onMessage: (data: unknown) => void;
  readonly #onClose: (ch: ThreadsafeChannel) => void;
  #closed = false;
  #received = 0;

  /** Created by `EventLoop.openChannel`. */
  constructor(
    wakeFdNumber: number,
    isEventfd: boolean,
    onMessage: (data: unknown) => void,
    onClose: (ch: ThreadsafeChannel) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#onMessage = onMessage;
    this.#onClose = onClose;
    this.endpoint = { port: port2, wakeFd: wakeFdNumber, isEventfd };
  }

  /** Messages delivered so far. */
  get received(): number {
    return this.#received;
  }

  /** Delivers every message waiting on the port (the loop calls this when its waker fires). */
  deliver(): void {
    if (this.#closed) return;
    for (;;) {
      const m = receiveMessageOnPort(this.#port);
      if (m === undefined) return;
      this.#received++;
      this.#onMessage(m.message);
    }
  }

  /** Stops delivery and closes the port. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    this.#onClose(this);
  }
}

/** The worker's end: posts data, then wakes the loop. */
export class ThreadsafeSender {
  readonly #endpoint: ChannelEndpoint;

  /** @param endpoint the `endpoint` of the loop's channel, received through workerData */
  constructor(endpoint: ChannelEndpoint) {
    this.#endpoint = endpoint;
  }

  /** Posts structured-cloneable `data` to the loop and wakes it. */
  post(data: unknown): void {
    this.#endpoint.port.postMessage(data);
    wakeFd(this.#endpoint.wakeFd, this.#endpoint.isEventfd);
  }

  /** Closes the port (the worker can also just exit). */
  close(): void {
    this.#endpoint.port.close();
  }
}
