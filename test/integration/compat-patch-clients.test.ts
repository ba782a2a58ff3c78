// Node's own clients after patchNet(), unchanged: http.get through the default agent,
// https.get, and tls.connect() without a socket all open nbio sockets (src/compat/
// patch-clients.ts). Peers are Node's own http/https servers on loopback; a throwaway
// self-signed certificate is made by the openssl CLI at test time. After unpatchNet() the
// hook points are Node's again.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import type tlsTypes from 'node:tls';
import { compatStats } from '../../src/compat/compat-stats.ts';
import { patchNet, unpatchNet } from '../../src/compat/patch-net.ts';
import { Socket } from '../../src/compat/socket.ts';
import { describeWithFdCheck, onLoop } from '../../src/compat/test-support.ts';
import { opensslSkipReason, selfSignedLocalhost } from './fixtures/self-signed.ts';

const require = createRequire(import.meta.url);
const cjsTls = require('tls') as typeof tlsTypes;

const skip = opensslSkipReason();

let key: Buffer = Buffer.alloc(0);
let cert: Buffer = Buffer.alloc(0);
before(() => {
  if (skip) return;
  ({ key, cert } = selfSignedLocalhost());
});

/** Listens on 127.0.0.1:0 (a Node server: the peer) and resolves with its port. */
async function listening(server: http.Server | https.Server | tlsTypes.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function closed(server: http.Server | https.Server | tlsTypes.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

/** The response body, and whether the request's socket (or the socket under its TLS) was nbio's. */
function get(mod: typeof http | typeof https, options: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    mod
      .get(options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describeWithFdCheck('patchNet(): http, https and tls clients on nbio sockets', () => {
  const c = { name: 'default guest loop', backend: 'default', mode: 'guest' } as const;

  test('http.get through the default agent opens an nbio socket; unpatchNet restores the agent', () =>
    onLoop(c, async () => {
      const original = http.Agent.prototype.createConnection;
      let nbioSocket = false;
      const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
      const port = await listening(server);
      try {
        patchNet();
        try {
          const agent = http.globalAgent;
          agent.once('free', (socket: unknown) => (nbioSocket = socket instanceof Socket));
          const before0 = compatStats();
          assert.equal(await get(http, { host: '127.0.0.1', port, path: '/a' }), 'hello /a');
          assert.equal(nbioSocket, true, 'the default agent’s socket is a compat Socket');
          assert.equal(compatStats().patchedCalls, before0.patchedCalls + 1);
          assert.ok(compatStats().bytesRead > before0.bytesRead);
        } finally {
          unpatchNet();
          http.globalAgent.destroy();
        }
        // The very function Node had (on Node 20 net.createConnection itself; Node 22 and 24
        // have a wrapper of their own), so a later plain http.get is Node's again.
        assert.equal(http.Agent.prototype.createConnection, original);
      } finally {
        await closed(server); // a failed check must not leave the peer keeping the file alive
      }
    }));

  test('https.get and tls.connect() without a socket run Node’s TLS over nbio sockets', { skip }, () =>
    onLoop(c, async () => {
      const originalTlsConnect = cjsTls.connect;
      const server = https.createServer({ key, cert }, (_req, res) => res.end('secure hello'));
      const port = await listening(server);
      const echo = cjsTls.createServer({ key, cert }, (s) => s.pipe(s));
      const echoPort = await listening(echo);
      patchNet();
      try {
        const before0 = compatStats();
        const agent = new https.Agent({ keepAlive: false });
        assert.equal(await get(https, { host: '127.0.0.1', port, ca: cert, agent }), 'secure hello');
        const afterHttps = compatStats();
        assert.equal(afterHttps.patchedCalls, before0.patchedCalls + 1, 'https went through tls.connect');
        assert.ok(afterHttps.bytesRead > before0.bytesRead, 'the ciphertext came through nbio');

        const t = cjsTls.connect({ host: '127.0.0.1', servername: 'localhost', port: echoPort, ca: cert });
        await new Promise<void>((r, j) => t.once('secureConnect', r).once('error', j));
        assert.equal(t.authorized, true, 'verified against the CA, name localhost');
        t.write('ping');
        const reply = await new Promise<Buffer>((r) => t.once('data', r));
        assert.equal(reply.toString(), 'ping');
        const tClosed = new Promise((r) => t.once('close', r));
        t.destroy();
        await tClosed;
        assert.equal(compatStats().patchedCalls, afterHttps.patchedCalls + 1);
        agent.destroy();
      } finally {
        unpatchNet();
      }
      assert.equal(cjsTls.connect, originalTlsConnect);
      await closed(server);
      await closed(echo);
    }),
  );
});
