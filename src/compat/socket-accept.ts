/**
 * `acceptedSocketProtocol`: how the compat Server makes the Socket of an accepted connection.
 * The Socket class registers the factory (it sets the socket's private accept state), and
 * server.ts calls it, through socket.ts's re-export, for each connection its listener accepts.
 *
 * @module
 */
import type { Protocol } from '../net/protocol.ts';
import type { SocketOptions } from './connect-args.ts';
import type { Socket } from './socket.ts';
import type { NbioTcpHandle } from './tcp-handle.ts';

/** What server.ts passes for an accepted connection. */
export interface AcceptOptions extends SocketOptions {
  /** Do not read until the socket is resumed (`net`'s `pauseOnConnect`). */
  pauseOnConnect?: boolean | undefined;
  /** The server's keep-alive delay in seconds (`net` gives the socket the server's). */
  keepAliveDelaySec?: number | undefined;
}

/** What an accepted socket reports once its transport is attached: itself and its handle. */
export type OnAccepted = (socket: Socket, clientHandle: NbioTcpHandle) => void;

/** Makes a server-side Socket and returns the Protocol its transport drives. */
export type AcceptFactory = (options: AcceptOptions, onConnection: OnAccepted) => Protocol;

let acceptImpl: AcceptFactory;

/** @internal For socket.ts: the Socket class registers its factory once, when it is defined. */
export function registerAcceptFactory(factory: AcceptFactory): void {
  acceptImpl = factory;
}

/**
 * @internal For server.ts: a fresh server-side Socket, returned as the Protocol the accepted
 * transport drives; `onConnection(socket, clientHandle)` runs once the transport is attached.
 */
export function acceptedSocketProtocol(options: AcceptOptions, onConnection: OnAccepted): Protocol {
  return acceptImpl(options, onConnection);
}
