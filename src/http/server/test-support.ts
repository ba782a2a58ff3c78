/**
 * Test helpers of the HTTP server suites: a raw client on nbio's own sockets that writes
 * whatever bytes a test gives and parses the responses with nbio's response parser, and a
 * harness that runs a test on every loop configuration with a descriptor check.
 *
 * @module
 */
import { EventLoop } from '../../loop/event-loop.ts';
import type { ExceptionContext } from '../../loop/exceptions.ts';
import { createConnection } from '../../net/connect.ts';
import type { Protocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { deadline, type LoopConfig } from '../../testing/loop-configs.ts';
import type { HttpParseError } from '../parser/http-parse-error.ts';
import { HttpParser } from '../parser/http-parser.ts';
import type { MessageHead } from '../parser/message-head.ts';

/** One parsed response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A client that sends raw bytes and parses what comes back; see the module comment. */
export class RawClient implements Protocol {
  readonly responses: RawResponse[] = [];
  /** Interim (1xx) responses seen. */
  readonly interim: number[] = [];
  transport: Transport | null = null;
  closed = false;
  parseError: HttpParseError | null = null;
  /** Raw bytes received. */
  received = '';
  #heads = 0;
  #parser: HttpParser;
  #current: RawResponse | null = null;
  #waiters: { pred: () => boolean; resolve: () => void }[] = [];

  constructor() {
    this.#parser = new HttpParser('response', {
      onHead: (h: MessageHead) => {
        if (h.status < 200) {
          this.interim.push(h.status);
          return;
        }
        this.#current = { status: h.status, headers: h.headers.toObject(), body: '' };
        if (this.#heads > 0) {
          this.#heads--;
          return true;
        }
        return undefined;
      },
      onBody: (c) => {
        if (this.#current !== null) this.#current.body += c.toString('latin1');
      },
      onMessageComplete: () => {
        if (this.#current !== null) this.responses.push(this.#current);
        this.#current = null;
      },
      onError: (e) => {
        this.parseError = e;
      },
    });
  }

  /** Connects to 127.0.0.1:`port` on `loop`. */
  static connect(loop: EventLoop, port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      createConnection(
        loop,
        () => new RawClient(),
        { host: '127.0.0.1', port },
        (err, t, p) => {
          if (err !== null || p === undefined || t === undefined) reject(err);
          else {
            p.transport = t;
            resolve(p);
          }
        },
      );
    });
  }

  /** The next `n` responses answer HEAD requests (no body whatever their fields say). */
  expectHeadResponses(n: number): void {
    this.#heads += n;
  }

  /** Sends bytes as they are. */
  send(data: string | Uint8Array): void {
    this.transport?.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Resolves once `n` complete responses arrived. */
  untilResponses(n: number): Promise<void> {
    return this.until(() => this.responses.length >= n);
  }

  /** Resolves once the server closed the connection. */
  untilClosed(): Promise<void> {
    return this.until(() => this.closed);
  }

  /** Resolves once `pred()` holds (checked after every event). */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  close(): void {
    this.transport?.close();
  }

  connectionMade(t: Transport): void {
    this.transport = t;
  }

  dataReceived(data: Buffer): void {
    this.received += data.toString('latin1');
    this.#parser.execute(data);
    this.#check();
  }

  eofReceived(): boolean {
    this.#parser.finish();
    return false;
  }

  connectionLost(): void {
    this.closed = true;
    this.#check();
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }
}

/** What a test body gets. */
export interface HttpTestContext {
  readonly loop: EventLoop;
  /** Reports received by the loop's exception handler. */
  readonly errors: ExceptionContext[];
}

/**
 * Runs `fn` on a fresh loop of `config` (within `ms` of loop time), closes the loop, and
 * throws if a descriptor opened during the test is still open.
 */
export async function onLoop(
  config: LoopConfig,
  fn: (ctx: HttpTestContext) => Promise<void>,
  ms = 10_000,
): Promise<void> {
  const before = fdSnapshot();
  const errors: ExceptionContext[] = [];
  const loop = new EventLoop({
    selector: config.backend,
    mode: config.mode,
    exceptionHandler: (c) => errors.push(c),
  });
  try {
    await loop.runUntilComplete(() => deadline(loop, ms, 'the test body', fn({ loop, errors })));
  } finally {
    loop.close();
  }
  const left = fdsOpenedSince(before);
  if (left.length > 0) throw new Error(`descriptors left open: ${left.join(', ')}`);
}

/** Resolves after `ms` of loop time. */
export function sleep(loop: EventLoop, ms: number): Promise<void> {
  return new Promise((r) => loop.callLater(ms, r));
}
