// connectTCP's Connector on every backend and mode: a refused connection, stopConnecting(),
// reconnecting from clientConnectionLost, disconnect(), misuse. Descriptors counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AbortedError,
  BusyResourceError,
  ClosedResourceError,
  ConnectionRefusedError,
  InvalidArgumentError,
} from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { type Connector, connectTCP } from './connect-tcp.ts';
import { ClientFactory, Factory } from './factory.ts';
import { listenTCP } from './listen-tcp.ts';
import { Protocol } from './protocol.ts';

const configs = loopConfigs();

function bounded<T>(loop: EventLoop, body: (done: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = loop.callLater(5000, () => reject(new Error('test exchange did not finish within 5 s')));
    body((v) => {
      timer.cancel();
      resolve(v);
    });
  });
}

/** A port nobody listens on: listen on port 0, read the port, stop listening. */
function freePort(loop: EventLoop): number {
  const p = listenTCP(loop, 0, Factory.forProtocol(Protocol), { interface: '127.0.0.1' });
  const port = (p.getHost() as { port: number }).port;
  p.stopListening();
  return port;
}

class Recording extends ClientFactory {
  log: string[] = [];
  failed: Error | null = null;
  onEnd: (() => void) | null = null;
  override startFactory() {
    this.log.push('startFactory');
  }
  override stopFactory() {
    this.log.push('stopFactory');
    this.onEnd?.();
  }
  override startedConnecting(c: Connector) {
    this.log.push(`startedConnecting ${c.state}`);
  }
  override clientConnectionFailed(c: Connector, reason: Error) {
    this.failed = reason;
    this.log.push(`failed ${reason.name} ${c.state}`);
  }
  override clientConnectionLost(c: Connector, reason: Error | undefined) {
    this.log.push(`lost ${reason === undefined ? 'clean' : reason.name} ${c.state}`);
  }
}

for (const { backend, mode } of configs) {
  describe(`Connector on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('a refused connection: clientConnectionFailed with ConnectionRefusedError, then stopFactory', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const port = freePort(loop);
      const f = new Recording();
      f.protocol = Protocol;
      let connector!: Connector;
      await loop.runUntilComplete(
        bounded<void>(loop, (done) => {
          f.onEnd = () => done();
          connector = connectTCP(loop, '127.0.0.1', port, f);
        }),
      );
      assert.ok(f.failed instanceof ConnectionRefusedError);
      assert.deepEqual(f.log, [
        'startFactory',
        'startedConnecting connecting',
        'failed ConnectionRefusedError disconnected',
        'stopFactory',
      ]);
      assert.equal(connector.state, 'disconnected');
      loop.close();
    });

    test('stopConnecting() abandons the attempt: clientConnectionFailed with AbortedError', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const server = listenTCP(loop, 0, Factory.forProtocol(Protocol), { interface: '127.0.0.1' });
      const port = (server.getHost() as { port: number }).port;
      const f = new Recording();
      f.protocol = Protocol;
      await loop.runUntilComplete(
        bounded<void>(loop, (done) => {
          f.onEnd = () => done();
          const connector = connectTCP(loop, '127.0.0.1', port, f);
          connector.stopConnecting(); // the callback is never synchronous: still connecting here
        }),
      );
      assert.ok(f.failed instanceof AbortedError);
      assert.equal(f.log.at(-2), 'failed AbortedError disconnected');
      await loop.runUntilComplete(server.stopListening().asPromise());
      server.server.closeConnections(true);
      await loop.runUntilComplete(new Promise<void>((r) => loop.callSoon(() => r())));
      loop.close();
    });

    test('reconnecting from clientConnectionLost, then disconnect()', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      let accepted = 0;
      class CloseAtOnce extends Protocol {
        override connectionMade() {
          accepted++;
          if (accepted === 1) this.transport!.loseConnection(); // the first connection is dropped
        }
      }
      const server = listenTCP(loop, 0, Factory.forProtocol(CloseAtOnce), { interface: '127.0.0.1' });
      const port = (server.getHost() as { port: number }).port;
      const f = new (class extends Recording {
        override clientConnectionLost(c: Connector, reason: Error | undefined) {
          super.clientConnectionLost(c, reason);
          if (this.log.filter((l) => l.startsWith('lost')).length === 1) c.connect();
        }
      })();
      let connector!: Connector;
      class Client extends Protocol {
        override connectionMade() {
          f.log.push(`connected ${connector.state}`);
          if (f.log.filter((l) => l.startsWith('connected')).length === 2) connector.disconnect();
        }
      }
      f.protocol = Client;
      await loop.runUntilComplete(
        bounded<void>(loop, (done) => {
          f.onEnd = () => done();
          connector = connectTCP(loop, '127.0.0.1', port, f);
        }),
      );
      assert.deepEqual(f.log, [
        'startFactory',
        'startedConnecting connecting',
        'connected connected',
        'lost clean disconnected',
        'startedConnecting connecting',
        'connected connected',
        'lost clean disconnected',
        'stopFactory',
      ]);
      assert.equal(accepted, 2);
      await loop.runUntilComplete(server.stopListening().asPromise());
      server.server.closeConnections(true);
      await loop.runUntilComplete(new Promise<void>((r) => loop.callSoon(() => r())));
      loop.close();
    });

    test('misuse: connect() while connecting, stopConnecting() while disconnected, bad timeout', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const port = freePort(loop);
      const f = new Recording();
      f.protocol = Protocol;
      assert.throws(() => connectTCP(loop, '127.0.0.1', port, f, { timeout: -1 }), InvalidArgumentError);
      assert.throws(() => connectTCP(loop, '127.0.0.1', 70000, f), InvalidArgumentError);
      assert.equal(f.numPorts, 0, 'a refused call leaves the factory unstarted');
      assert.ok(
        ClientFactory.forProtocol(Protocol) instanceof ClientFactory,
        'forProtocol builds the subclass',
      );
      await loop.runUntilComplete(
        bounded<void>(loop, (done) => {
          f.onEnd = () => done();
          const c = connectTCP(loop, '127.0.0.1', port, f);
          assert.throws(() => c.connect(), BusyResourceError);
        }),
      );
      const other = new Recording();
      other.protocol = Protocol;
      let c!: Connector;
      await loop.runUntilComplete(
        bounded<void>(loop, (done) => {
          other.onEnd = () => done();
          c = connectTCP(loop, '127.0.0.1', port, other);
          c.stopConnecting();
          c.stopConnecting(); // while the abort is on its way: nothing more happens
        }),
      );
      assert.equal(c.state, 'disconnected');
      assert.equal(other.log.filter((l) => l.startsWith('failed')).length, 1);
      assert.throws(() => c.stopConnecting(), ClosedResourceError);
      c.disconnect(); // nothing to do
      loop.close();
    });
  });
}
