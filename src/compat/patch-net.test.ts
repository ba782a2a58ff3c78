// patchNet / unpatchNet: what is replaced on Node's own `net` object, that patched calls are
// carried by nbio, that sockets Node opens on its own descriptors stay Node's, and that
// unpatching restores the exact property descriptors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import netDefault, * as netNamespace from 'node:net';
import { afterEach, test } from 'node:test';
import { BusyResourceError } from '../errors.ts';
import { compatStats } from './compat-stats.ts';
import { isNetPatched, PATCHED_NAMES, patchNet, unpatchNet } from './patch-net.ts';
import { createServer, Server } from './server.ts';
import { type AddressInfo, Socket } from './socket.ts';
import { defaultAndPoll, describeWithFdCheck, nextEvent, onLoop } from './test-support.ts';

const cjsNet = createRequire(import.meta.url)('net') as typeof netDefault;
const netRecord = cjsNet as unknown as Record<string, unknown>;
const originals = Object.fromEntries(
  PATCHED_NAMES.map((n) => [n, Object.getOwnPropertyDescriptor(cjsNet, n)]),
) as Record<string, PropertyDescriptor>;

afterEach(() => unpatchNet()); // a failing test must not leave the process patched

describeWithFdCheck('patchNet', () => {
  test('replaces connect, createConnection, Socket and Stream in place; unpatchNet restores them exactly', () => {
    assert.equal(netDefault, cjsNet, 'the default export is the CommonJS object Node’s modules use');
    patchNet();
    assert.equal(isNetPatched(), true);
    for (const name of PATCHED_NAMES) {
      assert.notEqual(netRecord[name], originals[name]?.value, `net.${name} is replaced`);
    }
    assert.equal(cjsNet.connect, cjsNet.createConnection);
    assert.equal(cjsNet.Socket, netRecord.Stream);
    assert.equal(netNamespace.connect, cjsNet.connect, 'ESM named exports follow (syncBuiltinESMExports)');
    assert.equal(netNamespace.Socket, cjsNet.Socket);
    assert.equal(
      cjsNet.createServer,
      originals.createServer?.value ?? cjsNet.createServer,
      'servers untouched',
    );
    unpatchNet();
    assert.equal(isNetPatched(), false);
    for (const name of PATCHED_NAMES) {
      assert.deepEqual(
        Object.getOwnPropertyDescriptor(cjsNet, name),
        originals[name],
        `net.${name} restored`,
      );
    }
    assert.equal(netNamespace.connect, originals.connect?.value);
    assert.equal(netNamespace.Socket, originals.Socket?.value);
  });

  test('patches do not nest; unpatchNet when not patched does nothing', () => {
    unpatchNet();
    patchNet();
    assert.throws(() => patchNet(), BusyResourceError);
    unpatchNet();
    unpatchNet();
    assert.equal(cjsNet.connect, originals.connect?.value);
  });

  test('sockets Node opens on its own descriptors stay Node’s: a child process’s pipes work', async () => {
    const before = compatStats().patchedCalls;
    patchNet();
    try {
      const child = spawn(process.execPath, ['-e', 'process.stdout.write("from the child")'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      assert.ok(child.stdout instanceof (originals.Socket?.value as typeof netDefault.Socket));
      assert.equal(child.stdout instanceof Socket, false, 'a pipe Node opened is not a compat socket');
      let out = '';
      child.stdout?.on('data', (d) => (out += d));
      const [code] = await new Promise<unknown[]>((r) => child.on('close', (...a) => r(a)));
      assert.equal(code, 0);
      assert.equal(out, 'from the child');
      assert.equal(compatStats().patchedCalls, before, 'nothing went to nbio');
    } finally {
      unpatchNet();
    }
  });

  test('new net.Socket(fd) with a number is net’s { fd } shorthand: it goes to Node’s class', () => {
    patchNet();
    try {
      const NetSocket = cjsNet.Socket as unknown as new (fd: number) => unknown;
      // Node's own check of the descriptor answers, so the call reached Node's class.
      assert.throws(() => new NetSocket(-1), { code: 'ERR_OUT_OF_RANGE' });
    } finally {
      unpatchNet();
    }
  });

  test("bad options are refused with net's typed errors", () => {
    patchNet();
    try {
      assert.throws(() => cjsNet.connect({ port: 1, host: '127.0.0.1', localAddress: 'nope' }), {
        code: 'ERR_INVALID_IP_ADDRESS',
        name: 'TypeError',
      });
    } finally {
      unpatchNet();
    }
  });

  test('{ servers: true } replaces createServer and Server (callable without new); unpatchNet restores all', () => {
    const serverNames = ['createServer', 'Server'] as const;
    const before = Object.fromEntries(
      serverNames.map((n) => [n, Object.getOwnPropertyDescriptor(cjsNet, n)]),
    );
    patchNet({ servers: true });
    try {
      const viaNew = new cjsNet.Server();
      const viaCall = (cjsNet.Server as unknown as () => unknown)();
      const viaCreate = cjsNet.createServer(() => {});
      class SubServer extends cjsNet.Server {}
      const sub = new SubServer();
      for (const x of [viaNew, viaCall, viaCreate, sub]) assert.ok(x instanceof Server, 'a compat server');
      assert.ok(sub instanceof SubServer);
      assert.equal(netNamespace.createServer, cjsNet.createServer, 'ESM named exports follow');
      assert.equal(viaCreate.listenerCount('connection'), 1);
    } finally {
      unpatchNet();
    }
    for (const n of serverNames) {
      assert.deepEqual(Object.getOwnPropertyDescriptor(cjsNet, n), before[n], `net.${n} restored`);
    }
    assert.equal(netNamespace.Server, before.Server?.value);
    patchNet();
    assert.equal(cjsNet.Server, before.Server?.value, 'without the option, servers stay Node’s');
    unpatchNet();
  });

  for (const c of defaultAndPoll()) {
    test(`patched net.connect and net.Socket are nbio sockets that carry the bytes (${c.name})`, () =>
      onLoop(c, async (loop) => {
        const server = createServer({ loop }, (s) => s.pipe(s));
        server.listen(0, '127.0.0.1');
        await nextEvent(loop, server, 'listening');
        const { port } = server.address() as AddressInfo;
        const stats0 = compatStats();
        const io0 = loop.stats().ioCallbacks;
        patchNet(c.backend === 'default' ? {} : { loop });
        let s!: Socket;
        let bare: unknown;
        let called: unknown;
        let sub: unknown;
        class Sub extends cjsNet.Socket {}
        try {
          s = cjsNet.connect(port, '127.0.0.1') as unknown as Socket;
          bare = new cjsNet.Socket();
          called = (cjsNet.Socket as unknown as (o?: object) => unknown)();
          sub = new Sub();
        } finally {
          unpatchNet();
        }
        for (const x of [s, bare, called, sub]) {
          assert.ok(x instanceof Socket, 'a compat socket');
          assert.equal((x as Socket).loop, loop);
        }
        assert.ok(sub instanceof Sub, 'subclasses of the patched net.Socket work');
        assert.equal(bare instanceof Sub, false, 'and keep their own instanceof');
        assert.equal(
          (s as unknown) instanceof cjsNet.Socket,
          false,
          'after unpatching, instanceof is Node’s again',
        );
        for (const x of [bare, called, sub]) (x as Socket).destroy();
        await nextEvent(loop, s, 'connect');
        let echoed = '';
        s.on('data', (d: Buffer) => (echoed += d));
        const closed = nextEvent(loop, s, 'close');
        s.end('through nbio');
        await closed;
        assert.equal(echoed, 'through nbio');
        const stats = compatStats();
        assert.equal(stats.patchedCalls - stats0.patchedCalls, 4);
        assert.equal(stats.bytesWritten - stats0.bytesWritten, 24, 'client and server wrote through nbio');
        assert.equal(s.transport?.stats().bytesRead, 12);
        assert.ok(loop.stats().ioCallbacks > io0);
        const serverClosed = nextEvent(loop, server, 'close');
        server.close();
        await serverClosed;
      }));
  }
});
