// Node's tls — code nobody here wrote — running TLS over nbio sockets on both ends:
// `tls.connect({ socket: nbioSocket })` as the client and `new tls.TLSSocket(nbioSocket,
// { isServer: true })` as the server, with a throwaway self-signed certificate made by the
// openssl CLI at test time. A handshake against a plain-text peer (either way round) fails with
// a clean error, and no descriptor is left behind.
import assert from 'node:assert/strict';
import type * as NodeNet from 'node:net';
import * as net from 'node:net';
import { before, test } from 'node:test';
import tls from 'node:tls';
import { compatStats } from '../../src/compat/compat-stats.ts';
import { connect } from '../../src/compat/create-connection.ts';
import { patchNet, unpatchNet } from '../../src/compat/patch-net.ts';
import { createServer, type Server } from '../../src/compat/server.ts';
import type { AddressInfo, Socket } from '../../src/compat/socket.ts';
import {
  closeServer,
  defaultAndPoll,
  describeWithFdCheck,
  type LoopCase,
  nextEvent,
  onLoop,
  until,
} from '../../src/compat/test-support.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';
import { opensslSkipReason, selfSignedLocalhost } from './fixtures/self-signed.ts';

const skip = opensslSkipReason();
if (skip) console.log(`# compat-tls skipped: ${skip}`);

let key: Buffer = Buffer.alloc(0);
let cert: Buffer = Buffer.alloc(0);
before(() => {
  if (skip) return;
  ({ key, cert } = selfSignedLocalhost());
});

/** An nbio server whose connections speak TLS through Node's TLSSocket; uppercases lines. */
async function tlsOverNbio(loop: EventLoop): Promise<{ server: Server; port: number; raw: Socket[] }> {
  const raw: Socket[] = [];
  const server = createServer({ loop }, (socket) => {
    raw.push(socket);
    const t = new tls.TLSSocket(socket as unknown as NodeNet.Socket, { isServer: true, key, cert });
    t.on('data', (d: Buffer) => t.write(d.toString().toUpperCase()));
    t.on('end', () => t.end());
    t.on('error', () => t.destroy());
  });
  server.listen(0, '127.0.0.1');
  await nextEvent(loop, server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, raw };
}

describeWithFdCheck('tls over nbio sockets', () => {
  for (const c of defaultAndPoll()) {
    test(`a verified TLS 1.3 session, client and server both on nbio sockets (${c.name})`, { skip }, () =>
      onLoop(c, async (loop) => {
        const stats0 = compatStats();
        const { server, port, raw } = await tlsOverNbio(loop);
        const socket = connect({ loop, port, host: '127.0.0.1' });
        const client = tls.connect({
          socket: socket as unknown as NodeNet.Socket,
          ca: cert,
          servername: 'localhost',
        });
        await nextEvent(loop, client, 'secureConnect');
        assert.equal(client.authorized, true, 'the certificate verified');
        assert.equal(client.getProtocol(), 'TLSv1.3');
        const payload = 'secret words '.repeat(10_000);
        let got = '';
        client.setEncoding('utf8');
        client.on('data', (d: string) => (got += d));
        client.write(payload);
        await until(loop, 'the whole echo', () => got.length === payload.length, 10_000);
        assert.equal(got, payload.toUpperCase());
        const t = socket.transport?.stats();
        assert.ok((t?.bytesWritten ?? 0) > payload.length, 'the ciphertext went through the nbio transport');
        const closed = nextEvent(loop, client, 'close');
        client.end();
        await closed;
        await until(loop, 'both raw sockets closed', () => socket.closed && raw.every((r) => r.closed));
        assert.equal(socket.transport?.stats().fd, -1);
        assert.equal(raw[0]?.transport?.stats().fd, -1);
        const stats = compatStats();
        assert.ok(stats.bytesRead - stats0.bytesRead > 2 * payload.length, 'both directions, both ends');
        await closeServer(loop, server, 10_000);
      }),
    );

    test(`a TLS client against a plain-text server fails cleanly (${c.name})`, { skip }, () =>
      onLoop(c, async (loop) => {
        const plain = createServer({ loop }, (s) => {
          s.resume();
          s.write('+OK plain text here\r\n');
        });
        plain.listen(0, '127.0.0.1');
        await nextEvent(loop, plain, 'listening');
        const socket = connect({ loop, port: (plain.address() as AddressInfo).port, host: '127.0.0.1' });
        const client = tls.connect({
          socket: socket as unknown as NodeNet.Socket,
          ca: cert,
          servername: 'localhost',
        });
        const closed = nextEvent(loop, client, 'close');
        const [err] = (await nextEvent(loop, client, 'error')) as [NodeJS.ErrnoException];
        assert.match(String(err.code), /^ERR_SSL_/, `a TLS error (${err.code}: ${err.message})`);
        await closed;
        await until(loop, 'the nbio socket closed', () => socket.destroyed);
        assert.equal(socket.transport?.stats().fd, -1, 'the descriptor is released');
        await closeServer(loop, plain, 10_000);
      }),
    );

    test(`a plain-text client against the TLS server fails cleanly on the server (${c.name})`, { skip }, () =>
      onLoop(c, async (loop) => {
        const serverErrors: NodeJS.ErrnoException[] = [];
        const raw: Socket[] = [];
        const server = createServer({ loop }, (socket) => {
          raw.push(socket);
          const t = new tls.TLSSocket(socket as unknown as NodeNet.Socket, { isServer: true, key, cert });
          t.on('error', (e: NodeJS.ErrnoException) => {
            serverErrors.push(e);
            t.destroy();
          });
        });
        server.listen(0, '127.0.0.1');
        await nextEvent(loop, server, 'listening');
        const s = connect({ loop, port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
        s.resume();
        const closed = nextEvent(loop, s, 'close');
        s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await closed;
        await until(loop, 'server error', () => serverErrors.length > 0);
        assert.match(String(serverErrors[0]?.code), /^ERR_SSL_/);
        await until(loop, 'server raw socket closed', () => raw.length === 1 && raw[0]?.destroyed === true);
        assert.equal(raw[0]?.transport?.stats().fd, -1);
        await closeServer(loop, server, 10_000);
      }),
    );
  }

  // While patched, a compat socket is `instanceof net.Socket` and has a `_handle`: TLS, which
  // wraps such a socket's native handle, must still see none and wrap it as a JS stream, on
  // both ends (tcp-handle.ts, calledFromNodeTls). Without that, TLSSocket throws at once.
  test(
    'with patchNet() in: tls.connect({ socket }) and new TLSSocket(socket) over compat sockets',
    { skip },
    () =>
      onLoop(defaultAndPoll()[0] as LoopCase, async (loop) => {
        patchNet({ loop });
        try {
          const { server, port } = await tlsOverNbio(loop);
          const socket = connect({ loop, port, host: '127.0.0.1' });
          assert.ok(socket instanceof net.Socket && socket._handle !== null, 'what TLS checks');
          const client = tls.connect({
            socket: socket as unknown as NodeNet.Socket,
            ca: cert,
            servername: 'localhost',
          });
          await nextEvent(loop, client, 'secureConnect');
          let got = '';
          client.setEncoding('utf8');
          client.on('data', (d: string) => (got += d));
          client.write('patched');
          await until(loop, 'the echo', () => got === 'PATCHED');
          const closed = nextEvent(loop, client, 'close');
          client.end();
          await closed;
          await until(loop, 'the raw socket closed', () => socket.closed);
          await closeServer(loop, server, 10_000);
        } finally {
          unpatchNet();
        }
      }),
  );
});
