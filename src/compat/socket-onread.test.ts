// net's `onread` option on compat sockets: bytes are copied into the user's buffer and given to
// callback(nread, buffer), never as 'data'; a callback returning false stops reading until
// resume(); 'end' and 'close' still come. On every loop: the default guest loop and each
// backend in each mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './create-connection.ts';
import { Socket } from './socket.ts';
import { OnRead, onReadFrom } from './socket-onread.ts';
import {
  closeServer,
  describeWithFdCheck,
  listen,
  loopCases,
  loopSleep,
  nextEvent,
  onLoop,
} from './test-support.ts';

test('onReadFrom ignores anything but { buffer: Uint8Array | function, callback: function } (as net)', () => {
  const callback = () => true;
  assert.equal(onReadFrom(undefined), null);
  assert.equal(onReadFrom({ buffer: 'x', callback }), null);
  assert.equal(onReadFrom({ buffer: Buffer.alloc(1) }), null);
  assert.ok(onReadFrom({ buffer: Buffer.alloc(1), callback }) instanceof OnRead);
  assert.ok(onReadFrom({ buffer: () => Buffer.alloc(1), callback }) instanceof OnRead);
});

test('an empty onread buffer is an InvalidArgumentError, not a loop that delivers nothing', () => {
  const r = new OnRead(new Uint8Array(0), () => true);
  const err = r.deliver(Buffer.from('x'));
  assert.ok(err instanceof Error);
  assert.equal((err as Error & { code: string }).code, 'NBIO_INVALID_ARGUMENT');
});

test('no callback after one destroyed the socket (as net: a destroyed stream reads no more)', () => {
  let destroyed = false;
  let calls = 0;
  const r = new OnRead(Buffer.alloc(2), () => {
    calls++;
    destroyed = true;
  });
  assert.equal(
    r.deliver(Buffer.from('abcdef'), () => destroyed),
    true,
  );
  assert.equal(calls, 1);
});

const TEXT = 'hello, onread world';

for (const c of loopCases()) {
  describeWithFdCheck(`compat Socket onread (${c.name})`, () => {
    test("connect({ onread }): bytes arrive in the user's buffer, at most its length per call; no 'data'; 'end' comes", () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => s.end(TEXT));
        const buffer = Buffer.alloc(4);
        let got = '';
        const sizes: number[] = [];
        const s = connect({
          loop,
          port,
          host: '127.0.0.1',
          onread: {
            buffer,
            callback(nread, buf) {
              assert.equal(buf, buffer, 'the same buffer every time');
              sizes.push(nread);
              got += buffer.toString('utf8', 0, nread);
            },
          },
        });
        s.on('data', () => assert.fail("no 'data' with onread"));
        const ended = nextEvent(loop, s, 'end');
        await ended;
        await nextEvent(loop, s, 'close');
        assert.equal(got, TEXT);
        assert.ok(
          sizes.every((n) => n > 0 && n <= 4),
          `sizes ${sizes}`,
        );
        assert.equal(s.bytesRead, Buffer.byteLength(TEXT));
        await closeServer(loop, server);
      }));

    test('new Socket({ onread }) with a buffer function; a callback returning false pauses until resume()', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => s.end(TEXT));
        let made = 0;
        let got = '';
        let calls = 0;
        const s = new Socket({
          loop,
          onread: {
            buffer: () => {
              made++;
              return Buffer.alloc(5);
            },
            callback(nread, buf) {
              calls++;
              got += Buffer.from(buf.buffer, buf.byteOffset, nread).toString();
              return calls !== 1; // stop after the first buffer-full
            },
          },
        });
        s.connect(port, '127.0.0.1');
        let ended = false;
        s.on('end', () => {
          ended = true;
        });
        await nextEvent(loop, s, 'connect');
        await loopSleep(loop, 100);
        assert.equal(calls, 1, 'nothing more while paused');
        assert.equal(got, TEXT.slice(0, 5));
        assert.equal(ended, false, "no 'end' while paused");
        const closed = nextEvent(loop, s, 'close');
        s.resume();
        await closed;
        assert.equal(got, TEXT);
        assert.equal(ended, true);
        assert.equal(made, calls + 1, 'asked once at connect, then after each callback');
        await closeServer(loop, server);
      }));

    test('pause() stops an onread socket; resume() delivers the rest', () =>
      onLoop(c, async (loop) => {
        let peer: Socket | null = null;
        const { server, port } = await listen(loop, (p) => {
          peer = p;
        });
        let got = '';
        const s = connect({
          loop,
          port,
          host: '127.0.0.1',
          onread: {
            buffer: Buffer.alloc(64),
            callback: (n, b) => void (got += Buffer.from(b).toString('utf8', 0, n)),
          },
        });
        await nextEvent(loop, s, 'connect');
        s.pause();
        await loopSleep(loop, 20);
        (peer as unknown as Socket).end('abc');
        await loopSleep(loop, 100);
        assert.equal(got, '', 'nothing read while paused');
        const closed = nextEvent(loop, s, 'close');
        s.resume();
        await closed;
        assert.equal(got, 'abc');
        await closeServer(loop, server);
      }));
  });
}
