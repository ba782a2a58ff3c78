// getaddrinfo through koffi: struct layouts per OS, loopback names from /etc/hosts, literals,
// family filtering, and typed errors. Called on the main thread here only because every name
// used is answered locally (/etc/hosts, literals, or a name the C library rejects before any
// network traffic); production code runs it in a worker (src/net/resolver.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { OsName } from './binding.ts';
import { koffi, osName } from './binding.ts';
import {
  addrinfoFieldOrder,
  addrinfoType,
  GaiError,
  gai,
  gaiConstantsByOs,
  gaiErrorName,
  getaddrinfo,
} from './getaddrinfo.ts';

test('struct addrinfo: ai_addr before ai_canonname on Linux, after it on macOS and FreeBSD', () => {
  const expected: Record<OsName, { ai_addr: number; ai_canonname: number }> = {
    linux: { ai_addr: 24, ai_canonname: 32 },
    darwin: { ai_addr: 32, ai_canonname: 24 },
    freebsd: { ai_addr: 32, ai_canonname: 24 },
  };
  for (const os of Object.keys(addrinfoFieldOrder) as OsName[]) {
    const t = addrinfoType(os);
    assert.equal(koffi.sizeof(t), 48, `${os}: sizeof(struct addrinfo) on 64-bit`);
    assert.equal(koffi.offsetof(t, 'ai_addrlen'), 16, os);
    assert.equal(koffi.offsetof(t, 'ai_addr'), expected[os].ai_addr, `${os} ai_addr`);
    assert.equal(koffi.offsetof(t, 'ai_canonname'), expected[os].ai_canonname, `${os} ai_canonname`);
    assert.equal(koffi.offsetof(t, 'ai_next'), 40, os);
  }
});

test('EAI_* codes: negative on glibc, positive on the BSDs; names round-trip', () => {
  assert.equal(gaiConstantsByOs.linux.errors.EAI_NONAME, -2);
  assert.equal(gaiConstantsByOs.linux.errors.EAI_AGAIN, -3);
  assert.equal(gaiConstantsByOs.darwin.errors.EAI_NONAME, 8);
  assert.equal(gaiConstantsByOs.freebsd.errors.EAI_AGAIN, 2);
  assert.equal(gaiConstantsByOs.linux.AI_ADDRCONFIG, 0x20);
  assert.equal(gaiConstantsByOs.darwin.AI_ADDRCONFIG, 0x400);
  for (const [name, v] of Object.entries(gai.errors)) assert.equal(gaiErrorName(v), name);
  assert.equal(gaiErrorName(12345), 'EAI_12345');
});

test("'localhost' resolves to loopback addresses, as /etc/hosts says", () => {
  const all = getaddrinfo('localhost');
  assert.ok(all.length >= 1);
  for (const a of all) {
    assert.ok(a.family === 'ipv4' || a.family === 'ipv6');
    if (a.family === 'ipv4') assert.match(a.address, /^127\./);
    if (a.family === 'ipv6') assert.equal(a.address, '::1');
    assert.equal(a.port, 0);
  }
  const v4 = getaddrinfo('localhost', { family: 'ipv4' });
  assert.ok(v4.length >= 1 && v4.every((a) => a.family === 'ipv4'));
  const keys = all.map((a) => (a.family === 'unix' ? a.path : `${a.family}/${a.address}`));
  assert.equal(new Set(keys).size, keys.length, 'no duplicates');
});

test('every IPv4 name in /etc/hosts resolves to an address listed for it', () => {
  const hosts = readFileSync('/etc/hosts', 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/))
    .filter((f) => f.length >= 2 && /^\d+\.\d+\.\d+\.\d+$/.test(f[0] ?? ''));
  assert.ok(hosts.length > 0, '/etc/hosts has an IPv4 line');
  const checked = new Set<string>();
  for (const [ip, ...names] of hosts.slice(0, 5)) {
    // glibc answers from the first line naming the host (unless host.conf says `multi on`).
    const name = names[0];
    if (ip === undefined || name === undefined || checked.has(name)) continue; // filtered: never undefined
    for (const n of names) checked.add(n);
    const got = getaddrinfo(name, { family: 'ipv4' }).map((a) => (a.family === 'ipv4' ? a.address : ''));
    assert.ok(got.includes(ip), `${name} → ${got.join(', ')} includes ${ip}`);
  }
});

test('IP literals come back as themselves, normalised', () => {
  assert.deepEqual(getaddrinfo('127.0.0.1'), [{ family: 'ipv4', address: '127.0.0.1', port: 0 }]);
  assert.deepEqual(getaddrinfo('0:0:0:0:0:0:0:1', { numericHost: true }), [
    { family: 'ipv6', address: '::1', port: 0 },
  ]);
});

test('a name that does not resolve throws GaiError with the EAI code and the C library text', () => {
  // An empty label: the C library refuses it before any DNS query (measured: EAI_NONAME even
  // in a network namespace with no DNS server reachable).
  assert.throws(
    () => getaddrinfo('bad..name'),
    (e: unknown) =>
      e instanceof GaiError &&
      e.code === 'EAI_NONAME' &&
      e.syscall === 'getaddrinfo' &&
      e.hostname === 'bad..name' &&
      e.detail.length > 0 &&
      e.message.includes(e.detail),
  );
  // AI_NUMERICHOST never looks a name up.
  assert.throws(
    () => getaddrinfo('localhost', { numericHost: true }),
    (e: unknown) => e instanceof GaiError && e.code === 'EAI_NONAME',
  );
  // An IPv4 literal asked for as IPv6.
  assert.throws(
    () => getaddrinfo('127.0.0.1', { family: 'ipv6', numericHost: true }),
    (e: unknown) => e instanceof GaiError && /^EAI_(ADDRFAMILY|NONAME|FAMILY|NODATA)$/.test(e.code),
  );
});

test('bad input is an InvalidArgumentError, not a lookup', () => {
  for (const bad of ['', 'local\0host']) {
    assert.throws(
      () => getaddrinfo(bad),
      (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
    );
  }
  assert.equal(osName, process.platform);
});
