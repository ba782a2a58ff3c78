/**
 * Factories: what makes a {@link Protocol} for each connection (Twisted's `Factory`,
 * `ServerFactory` and `ClientFactory`). Set `protocol` to a Protocol class, or override
 * `buildProtocol(addr)`; return null from it to refuse a connection.
 *
 * `doStart()`/`doStop()` count the ports and connectors using a factory, calling
 * `startFactory()` on the first and `stopFactory()` after the last, as in Twisted.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Connector } from './connect-tcp.ts';
import type { Protocol } from './protocol.ts';
import type { Address } from './tcp-transport.ts';

/** A Protocol class with a no-argument constructor. */
export type ProtocolClass = new () => Protocol;

/** Builds protocols; see the module comment. */
export class Factory {
  /** The class `buildProtocol` instantiates. */
  protocol: ProtocolClass | null = null;
  /** Ports and connectors currently using this factory. */
  numPorts = 0;

  /** A factory of this class whose `protocol` is `protocol` (Twisted's `Factory.forProtocol`). */
  static forProtocol<F extends Factory>(this: new () => F, protocol: ProtocolClass): F {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass forProtocol was called on
    const f = new this();
    f.protocol = protocol;
    return f;
  }

  /** Called by listenTCP/connectTCP: the first use calls `startFactory()`. */
  doStart(): void {
    if (this.numPorts === 0) this.startFactory();
    this.numPorts++;
  }

  /** Called when a port stops or a connection attempt ends: the last calls `stopFactory()`. */
  doStop(): void {
    if (this.numPorts === 0) return;
    this.numPorts--;
    if (this.numPorts === 0) this.stopFactory();
  }

  /** Set-up before the first connection (override). */
  startFactory(): void {}

  /** Clean-up after the last (override). */
  stopFactory(): void {}

  /**
   * Makes the protocol for a connection from `addr`: `new this.protocol()` with `factory` set.
   * @returns the protocol, or null to refuse the connection
   * @throws InvalidArgumentError when `protocol` is not set and the method is not overridden
   */
  buildProtocol(_addr: Address | null): Protocol | null {
    if (this.protocol === null) {
      throw new InvalidArgumentError(
        `${this.constructor.name}.protocol is not set: assign a Protocol class to it, or override buildProtocol().`,
      );
    }
    const p = new this.protocol();
    p.factory = this;
    return p;
  }
}

/** A factory for servers (Twisted's `ServerFactory`). */
export class ServerFactory extends Factory {}

/** A factory for clients, told about the connection attempt and its end (Twisted's `ClientFactory`). */
export class ClientFactory extends Factory {
  /** The attempt began. */
  startedConnecting(_connector: Connector): void {}

  /** The attempt failed (refused, timed out, stopped): `reason` says why. Call `connector.connect()` to retry. */
  clientConnectionFailed(_connector: Connector, _reason: Error): void {}

  /** An established connection ended (`reason` undefined when clean). Call `connector.connect()` to reconnect. */
  clientConnectionLost(_connector: Connector, _reason: Error | undefined): void {}
}
