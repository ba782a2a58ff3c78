/**
 * What a server connection and its server hand each other: an {@link Exchange} (one request and
 * its response) and the {@link ConnectionConfig} a connection is made with. Re-exported by
 * `http-connection.ts`.
 * @module
 */
import type { EventLoop } from '../../loop/event-loop.ts';
import type { HttpLimits, MessageHead } from '../parser/message-head.ts';
import type { BodyReader } from './body-reader.ts';
import type { HttpConnection } from './http-connection.ts';
import type { ResponseWriter } from './response-writer.ts';

/** One request and its response. */
export interface Exchange {
  /** The request head (method, target, fields, framing). */
  readonly head: MessageHead;
  /** The request body, as it arrives. */
  readonly body: BodyReader;
  /** Where the response goes. */
  readonly response: ResponseWriter;
  /** The connection (peer address, an abort signal). */
  readonly connection: HttpConnection;
}

/** What a connection needs from its server. */
export interface ConnectionConfig {
  readonly loop: EventLoop;
  readonly limits: HttpLimits;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** A request head arrived: start handling it. */
  readonly dispatch: (exchange: Exchange) => void;
  /** True once the server is shutting down (responses then carry `Connection: close`). */
  readonly isClosing: () => boolean;
  /** The connection is gone. */
  readonly forget: (connection: HttpConnection) => void;
}
