// LineReceiver: line splitting fed by hand (delimiters split across chunks, MAX_LENGTH, raw
// mode), then over real loopback sockets on every backend and mode, descriptors counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { connectTCP } from './connect-tcp.ts';
import { ClientFactory, Factory } from './factory.ts';
import { LineReceiver } from './line-receiver.ts';
import { listenTCP } from './listen-tcp.ts';
import type { TcpTransport } from './tcp-transport.ts';

/** Stands in for the transport when the receiver is fed by hand. */
function fakeTransport() {
  const t = {
    written: [] as string[],
    disconnecting: false,
    write(d: Uint8Array | string) {
      t.written.push(Buffer.from(d).toString());
    },
    loseConnection() {
      t.disconnecting = true;
    },
  };
  return t;
}

class Collect extends LineReceiver {
  lines: string[] = [];
  raw: string[] = [];
  exceeded: string[] = [];
  override lineReceived(line: Buffer) {
    this.lines.push(line.toString());
  }
  override rawDataReceived(data: Buffer) {
    this.raw.push(data.toString());
  }
  override lineLengthExceeded(line: Buffer) {
    this.exceeded.push(line.toString());
    super.lineLengthExceeded(line);
  }
}

function fed(r: LineReceiver) {
  const t = fakeTransport();
  r.makeConnection(t as unknown as TcpTransport);
  return t;
}

describe('LineReceiver, fed by hand', () => {
  test('lines split anywhere, delimiters split across chunks', () => {
    const r = new Collect();
    fed(r);
    for (const chunk of ['one\r', '\ntw', 'o\r\n\r\nthr', 'ee', '\r', '\n'])
      r.dataReceived(Buffer.from(chunk));
    assert.deepEqual(r.lines, ['one', 'two', '', 'three']);
  });

  test('a custom delimiter; sendLine appends it', () => {
    const r = new Collect();
    r.delimiter = '||';
    const t = fed(r);
    r.dataReceived(Buffer.from('a||b|'));
    r.dataReceived(Buffer.from('|c'));
    assert.deepEqual(r.lines, ['a', 'b']);
    r.sendLine('out');
    r.sendLine(Buffer.from('bytes'));
    assert.deepEqual(t.written, ['out||', 'bytes||']);
    assert.equal(r.clearLineBuffer().toString(), 'c');
  });

  test('MAX_LENGTH: a long line, or a long buffer without a delimiter, closes by default', () => {
    const r = new Collect();
    r.MAX_LENGTH = 5;
    const t = fed(r);
    r.dataReceived(Buffer.from('12345\r\n123456\r\nlater\r\n'));
    assert.deepEqual(r.lines, ['12345']);
    assert.deepEqual(r.exceeded, ['123456\r\nlater\r\n']);
    assert.equal(t.disconnecting, true);

    const r2 = new Collect();
    r2.MAX_LENGTH = 5;
    fed(r2);
    r2.dataReceived(Buffer.from('12345\r'));
    assert.deepEqual(r2.exceeded, [], 'a full-length line whose delimiter is arriving');
    r2.dataReceived(Buffer.from('\n1234'));
    r2.dataReceived(Buffer.from('567'));
    assert.deepEqual(r2.lines, ['12345']);
    assert.deepEqual(r2.exceeded, ['1234567']);
  });

  test('no lines are delivered once the transport is closing', () => {
    const r = new (class extends Collect {
      override lineReceived(line: Buffer) {
        super.lineReceived(line);
        this.transport!.loseConnection();
      }
    })();
    fed(r);
    r.dataReceived(Buffer.from('a\r\nb\r\nc\r\n'));
    assert.deepEqual(r.lines, ['a']);
  });

  test('setRawMode sends the rest to rawDataReceived; setLineMode(extra) resumes lines', () => {
    const r = new (class extends Collect {
      override lineReceived(line: Buffer) {
        super.lineReceived(line);
        if (line.toString() === 'BODY') this.setRawMode();
      }
      override rawDataReceived(data: Buffer) {
        super.rawDataReceived(data);
        const s = data.toString();
        const i = s.indexOf('#');
        if (i >= 0) this.setLineMode(Buffer.from(s.slice(i + 1)));
      }
    })();
    fed(r);
    r.dataReceived(Buffer.from('head\r\nBODY\r\nraw1'));
    r.dataReceived(Buffer.from('raw2#tail\r\n'));
    assert.deepEqual(r.lines, ['head', 'BODY', 'tail']);
    assert.deepEqual(r.raw, ['raw1', 'raw2#tail\r\n']);
  });
});

const configs = loopConfigs();

for (const { backend, mode } of configs) {
  describe(`LineReceiver over sockets on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('a line server answers each line; an over-long line closes the connection', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      class Upper extends LineReceiver {
        override MAX_LENGTH = 64;
        override lineReceived(line: Buffer) {
          this.sendLine(line.toString().toUpperCase());
        }
      }
      const port = listenTCP(loop, 0, Factory.forProtocol(Upper), { interface: '127.0.0.1' });
      const portNumber = (port.getHost() as { port: number }).port;
      const { lines, reason } = await loop.runUntilComplete(
        new Promise<{ lines: string[]; reason: string }>((resolve, reject) => {
          const timer = loop.callLater(5000, () => reject(new Error('no answer within 5 s')));
          class Client extends Collect {
            override connectionMade() {
              this.transport!.write('hello\r\nwor');
              loop.callLater(1, () => this.transport!.write('ld\r\n'));
            }
            override lineReceived(line: Buffer) {
              super.lineReceived(line);
              if (this.lines.length === 2) this.transport!.write(`${'x'.repeat(100)}\r\n`);
            }
            override connectionLost(r?: Error) {
              timer.cancel();
              resolve({ lines: this.lines, reason: r === undefined ? 'clean' : r.message });
            }
          }
          connectTCP(loop, '127.0.0.1', portNumber, ClientFactory.forProtocol(Client));
        }),
      );
      assert.deepEqual(lines, ['HELLO', 'WORLD']);
      assert.equal(reason, 'clean', 'the server closed after the over-long line');
      await loop.runUntilComplete(port.stopListening().asPromise());
      loop.close();
    });
  });
}
