// The hosts-file answer (resolver-hosts.ts): given only when it is certainly getaddrinfo's —
// nsswitch.conf asks `files` first and the name has exactly one address of the asked family.
// Files written to a temporary folder; the system's own are compared with the C library.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getaddrinfo } from '../sys/getaddrinfo.ts';
import { type HostsFiles, hostsFileAnswer } from './resolver-hosts.ts';

const dir = mkdtempSync(join(tmpdir(), 'nbio-hosts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh pair of files (each nsswitch.conf path is read once per process). */
function files(
  hosts: string,
  nsswitch = 'passwd: files\nhosts:   files mdns4_minimal [NOTFOUND=return] dns\n',
): HostsFiles {
  n++;
  const f = { hosts: join(dir, `hosts${n}`), nsswitch: join(dir, `nsswitch${n}`) };
  writeFileSync(f.hosts, hosts);
  writeFileSync(f.nsswitch, nsswitch);
  return f;
}

const HOSTS = `# comment line
127.0.0.1\tlocalhost
127.0.1.1 box.example Box  # alias, then a comment
10.0.0.7 twice
10.0.0.8 twice
::1 six-only
10.0.0.9 both
::9 both
fe80::1%eth0 zoned
`;

test('one address, by name or alias, case-insensitively; port 0', () => {
  const f = files(HOSTS);
  assert.deepEqual(hostsFileAnswer('localhost', undefined, f), {
    family: 'ipv4',
    address: '127.0.0.1',
    port: 0,
  });
  assert.deepEqual(hostsFileAnswer('BOX', undefined, f), { family: 'ipv4', address: '127.0.1.1', port: 0 });
  assert.deepEqual(hostsFileAnswer('box.example', 'ipv4', f), {
    family: 'ipv4',
    address: '127.0.1.1',
    port: 0,
  });
  assert.deepEqual(hostsFileAnswer('six-only', 'ipv6', f), { family: 'ipv6', address: '::1', port: 0 });
});

test('the C library is asked (null) whenever the answer could differ', () => {
  const f = files(HOSTS);
  assert.equal(hostsFileAnswer('twice', undefined, f), null, 'two addresses: getaddrinfo sorts them');
  assert.equal(hostsFileAnswer('both', undefined, f), null, 'two families: RFC 6724 order');
  assert.deepEqual(hostsFileAnswer('both', 'ipv6', f), { family: 'ipv6', address: '::9', port: 0 });
  assert.equal(hostsFileAnswer('localhost', 'ipv6', f), null, 'none of that family: the next source');
  assert.equal(hostsFileAnswer('comment', undefined, f), null, 'comments are not names');
  assert.equal(hostsFileAnswer('zoned', undefined, f), null, 'a zone by interface name');
  assert.equal(hostsFileAnswer('absent.example', undefined, f), null);
  const dnsFirst = files(HOSTS, 'hosts: dns files\n');
  assert.equal(hostsFileAnswer('localhost', undefined, dnsFirst), null, 'dns before files');
  const resolved = files(HOSTS, 'hosts: resolve [!UNAVAIL=return] files myhostname dns\n');
  assert.equal(hostsFileAnswer('localhost', undefined, resolved), null, 'systemd-resolved first');
  const noNss = { hosts: f.hosts, nsswitch: join(dir, 'missing') };
  assert.equal(hostsFileAnswer('localhost', undefined, noNss), null, 'no nsswitch.conf: not guessed');
  const noHosts = { hosts: join(dir, 'missing'), nsswitch: f.nsswitch };
  assert.equal(hostsFileAnswer('localhost', undefined, noHosts), null);
});

test('the hosts file is read again when it changes', () => {
  const f = files('10.1.1.1 moving\n');
  assert.equal(hostsFileAnswer('moving', undefined, f)?.family, 'ipv4');
  writeFileSync(f.hosts, '10.1.1.2 moving\n10.1.1.3 other\n');
  utimesSync(f.hosts, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(hostsFileAnswer('moving', undefined, f), { family: 'ipv4', address: '10.1.1.2', port: 0 });
});

test("on this system, every answer given is the C library's", (t) => {
  let compared = 0;
  for (const name of ['localhost', 'ip6-localhost', 'ip6-loopback']) {
    for (const family of [undefined, 'ipv4', 'ipv6'] as const) {
      const a = hostsFileAnswer(name, family);
      if (a === null) continue;
      compared++;
      assert.deepEqual(
        [a],
        getaddrinfo(name, family === undefined ? {} : { family }),
        `${name} ${family ?? 'any'}`,
      );
    }
  }
  if (compared === 0) t.skip('the hosts file answers none of these names alone here');
});
