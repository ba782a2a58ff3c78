/**
 * `Protocol`: the base class of a Twisted-style connection handler (Twisted's
 * `twisted.internet.protocol.Protocol`). Subclass it and override the events you need:
 *
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Buffer) { this.transport!.write(data); }
 * }
 * ```
 *
 * The lifecycle is Twisted's: `makeConnection(transport)` sets `transport` and `connected`
 * and calls `connectionMade()`; then `dataReceived(data)` for each chunk; then exactly once
 * `connectionLost(reason)`. Unlike Twisted, `reason` is `undefined` after a clean close (Twisted
 * passes a `Failure(ConnectionDone)`), else the error (`BrokenResourceError` with the OS error
 * as `cause` for a reset).
 *
 * @module
 */
import type { Factory } from './factory.ts';
import type { TcpTransport } from './tcp-transport.ts';

/** Handles one connection; see the module comment. */
export class Protocol {
  /** The connection, once made. */
  transport: TcpTransport | null = null;
  /** The factory that built this protocol (set by `Factory.buildProtocol`). */
  factory: Factory | null = null;
  /** True between `makeConnection` and `connectionLost`. */
  connected = false;
  /**
   * Define it to be told when the peer half-closes while the connection stays open for
   * writing (Twisted's `IHalfCloseableProtocol.readConnectionLost`). Without it, the
   * connection closes on the peer's EOF.
   */
  readConnectionLost?(): void;

  /** Attaches the transport and calls `connectionMade()` (called by the framework). */
  makeConnection(transport: TcpTransport): void {
    this.connected = true;
    this.transport = transport;
    this.connectionMade();
  }

  /** The connection is up; `this.transport` is set. */
  connectionMade(): void {}

  /** Bytes arrived (a fresh Buffer the protocol may keep). */
  dataReceived(_data: Buffer): void {}

  /** The connection is gone: `reason` is undefined after a clean close, else the error. */
  connectionLost(_reason?: Error): void {}
}
