// listenTCP + connectTCP over real loopback sockets, on every backend and mode: an echo
// exchange with the full event order, factories counting ports, refusing a connection,
// half-close, a producer paused by a full write buffer, and a port in use. Descriptors counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AddressInUseError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { connectTCP } from './connect-tcp.ts';
import { ClientFactory, Factory, ServerFactory } from './factory.ts';
import { listenTCP } from './listen-tcp.ts';
import { Protocol } from './protocol.ts';
import type { Address } from './tcp-transport.ts';

const configs = loopConfigs();

/** Bounds every exchange: a stuck test fails instead of hanging. */
function bounded<T>(
  loop: EventLoop,
  body: (done: (v: T) => void, fail: (e: unknown) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = loop.callLater(5000, () => reject(new Error('test exchange did not finish within 5 s')));
    body(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e) => {
        timer.cancel();
        reject(e);
      },
    );
  });
}

class Echo extends Protocol {
  override dataReceived(data: Buffer): void {
    this.transport!.write(data);
  }
}

for (const { backend, mode } of configs) {
  describe(`listenTCP/connectTCP on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('an echo exchange, with Twisted’s order of events on both sides', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const log: string[] = []; // the client's side
      const serverLog: string[] = []; // the server's side (the two sides' events interleave freely)
      const serverFactory = new (class extends ServerFactory {
        override startFactory() {
          serverLog.push('startFactory');
        }
        override stopFactory() {
          serverLog.push('stopFactory');
        }
        override buildProtocol(addr: Address | null) {
          serverLog.push(`buildProtocol ${addr?.type} ${addr?.type === 'TCP' ? addr.host : ''}`);
          return super.buildProtocol(addr);
        }
      })();
      serverFactory.protocol = Echo;
      const port = listenTCP(loop, 0, serverFactory, { interface: '127.0.0.1' });
      const host = port.getHost();
      assert.equal(host.type, 'TCP');
      assert.ok(host.type === 'TCP' && host.host === '127.0.0.1' && host.port > 0);
      const portNumber = host.type === 'TCP' ? host.port : 0;

      const reply = await loop.runUntilComplete(
        bounded<string>(loop, (done, fail) => {
          let received = '';
          class Client extends Protocol {
            override connectionMade() {
              log.push(
                `client connectionMade, peer port ${(this.transport!.getPeer() as { port: number }).port === portNumber}`,
              );
              assert.equal(this.factory, clientFactory);
              this.transport!.write('hello');
            }
            override dataReceived(data: Buffer) {
              received += data.toString();
              if (received === 'hello') this.transport!.loseConnection();
            }
            override connectionLost(reason?: Error) {
              log.push(`client connectionLost ${reason === undefined ? 'clean' : reason.message}`);
            }
          }
          const clientFactory = new (class extends ClientFactory {
            override startedConnecting() {
              log.push('startedConnecting');
            }
            override clientConnectionFailed(_c: unknown, reason: Error) {
              fail(reason);
            }
            override clientConnectionLost(connector: { state: string }, reason: Error | undefined) {
              log.push(
                `clientConnectionLost ${reason === undefined ? 'clean' : reason.message} ${connector.state}`,
              );
              done(received);
            }
          })();
          clientFactory.protocol = Client;
          const connector = connectTCP(loop, '127.0.0.1', portNumber, clientFactory, { timeout: 5 });
          assert.equal(connector.state, 'connecting');
          assert.deepEqual(connector.getDestination(), { type: 'TCP', host: '127.0.0.1', port: portNumber });
        }),
      );
      assert.equal(reply, 'hello');
      const stopped = port.stopListening();
      assert.equal(port.stopListening(), stopped, 'the same Deferred on a second call');
      await loop.runUntilComplete(stopped.asPromise());
      assert.deepEqual(log, [
        'startedConnecting',
        'client connectionMade, peer port true',
        'client connectionLost clean',
        'clientConnectionLost clean disconnected',
      ]);
      assert.deepEqual(serverLog, ['startFactory', 'buildProtocol TCP 127.0.0.1', 'stopFactory']);
      port.server.closeConnections(true);
      await loop.runUntilComplete(new Promise<void>((r) => loop.callSoon(() => r())));
      loop.close();
    });

    test('buildProtocol returning null refuses the connection', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const refusing = new (class extends Factory {
        override buildProtocol() {
          return null;
        }
      })();
      const port = listenTCP(loop, 0, refusing, { interface: '127.0.0.1' });
      const { port: portNumber } = port.getHost() as { port: number };
      const reason = await loop.runUntilComplete(
        bounded<string>(loop, (done, fail) => {
          const f = new (class extends ClientFactory {
            override clientConnectionFailed(_c: unknown, r: Error) {
              fail(r);
            }
            override clientConnectionLost(_c: unknown, r: Error | undefined) {
              done(r === undefined ? 'clean' : ((r as { code?: string }).code ?? r.message));
            }
          })();
          f.protocol = Protocol;
          connectTCP(loop, '127.0.0.1', portNumber, f);
        }),
      );
      // the server aborts (RST) or closes: the client sees the end either way
      assert.ok(['clean', 'NBIO_BROKEN'].includes(reason), reason);
      await loop.runUntilComplete(port.stopListening().asPromise());
      loop.close();
    });

    test('a protocol with readConnectionLost stays open to answer after the peer’s EOF', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      class HalfClose extends Protocol {
        #got = '';
        override dataReceived(data: Buffer) {
          this.#got += data.toString();
        }
        override readConnectionLost() {
          this.transport!.write(`got ${this.#got}`);
          this.transport!.loseConnection();
        }
      }
      const port = listenTCP(loop, 0, Factory.forProtocol(HalfClose), { interface: '127.0.0.1' });
      const { port: portNumber } = port.getHost() as { port: number };
      const answer = await loop.runUntilComplete(
        bounded<string>(loop, (done, fail) => {
          let received = '';
          class Asker extends Protocol {
            override connectionMade() {
              this.transport!.write('question');
              this.transport!.loseWriteConnection();
            }
            override dataReceived(data: Buffer) {
              received += data.toString();
            }
            override connectionLost(reason?: Error) {
              if (reason) fail(reason);
              else done(received);
            }
          }
          connectTCP(loop, '127.0.0.1', portNumber, ClientFactory.forProtocol(Asker));
        }),
      );
      assert.equal(answer, 'got question');
      await loop.runUntilComplete(port.stopListening().asPromise());
      loop.close();
    });

    test('a registered producer is paused while the write buffer is full and resumed when it drains', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const events: string[] = [];
      // The client reads nothing until the server's producer was paused (whichever side's
      // connectionMade runs first), so the server's buffer must fill.
      let clientTransport: { pauseProducing(): void; resumeProducing(): void } | null = null;
      let serverPaused = false;
      class Flooder extends Protocol {
        override connectionMade() {
          const tcp = this.transport!;
          tcp.transport.setWriteBufferLimits(64 * 1024, 0);
          tcp.registerProducer({
            pauseProducing: () => {
              serverPaused = true;
              events.push('pause');
              clientTransport?.resumeProducing(); // now let the client read everything
            },
            resumeProducing: () => {
              events.push('resume');
              tcp.unregisterProducer();
              tcp.loseConnection();
            },
          });
          const chunk = Buffer.alloc(64 * 1024, 120);
          for (let i = 0; i < 1024 && !serverPaused; i++) tcp.write(chunk); // ≤ 64 MiB, stops at the first pause
        }
      }
      const port = listenTCP(loop, 0, Factory.forProtocol(Flooder), { interface: '127.0.0.1' });
      const { port: portNumber } = port.getHost() as { port: number };
      const total = await loop.runUntilComplete(
        bounded<number>(loop, (done) => {
          let bytes = 0;
          class Sink extends Protocol {
            override connectionMade() {
              clientTransport = this.transport;
              if (!serverPaused) this.transport!.pauseProducing();
            }
            override dataReceived(data: Buffer) {
              bytes += data.length;
            }
            override connectionLost() {
              done(bytes);
            }
          }
          connectTCP(loop, '127.0.0.1', portNumber, ClientFactory.forProtocol(Sink));
        }),
      );
      assert.deepEqual(events, ['pause', 'resume']);
      assert.ok(total > 64 * 1024 && total % (64 * 1024) === 0, `every byte written arrived (${total})`);
      await loop.runUntilComplete(port.stopListening().asPromise());
      loop.close();
    });

    test('a port in use: AddressInUseError, and the factory is not left started', () => {
      const loop = new EventLoop({ selector: backend, mode });
      const f = Factory.forProtocol(Echo);
      const port = listenTCP(loop, 0, f, { interface: '127.0.0.1' });
      const taken = (port.getHost() as { port: number }).port;
      const fds = fdSnapshot();
      assert.throws(() => listenTCP(loop, taken, f, { interface: '127.0.0.1' }), AddressInUseError);
      assert.deepEqual(fdsOpenedSince(fds), []);
      assert.equal(f.numPorts, 1);
      port.stopListening();
      assert.equal(f.numPorts, 0);
      loop.close();
    });
  });
}
