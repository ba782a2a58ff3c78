// The per-OS constant tables: sane for every OS (so a mistake in the macOS or FreeBSD table is
// caught on Linux too), and equal to what this platform's C headers say (compiled when a C
// compiler is present; skipped with the reason otherwise).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { arch, osName } from './binding.ts';
import { constantsByOs, type SysConstants, sys } from './constants.ts';

const tables = Object.entries(constantsByOs) as [string, SysConstants][];
const keys = Object.keys(constantsByOs.linux).sort() as (keyof SysConstants)[];
const POLL_KEYS = ['POLLIN', 'POLLPRI', 'POLLOUT', 'POLLERR', 'POLLHUP', 'POLLNVAL'] as const;
const EPOLL_KEYS = [
  'EPOLLIN',
  'EPOLLOUT',
  'EPOLLERR',
  'EPOLLHUP',
  'EPOLLRDHUP',
  'EPOLLONESHOT',
  'EPOLLET',
] as const;

const isSingleBit = (v: number): boolean => v > 0 && v <= 2 ** 31 && Math.log2(v) % 1 === 0;

describe('constant tables, every OS', () => {
  test('`sys` is the table of this OS', () => {
    assert.equal(sys, constantsByOs[osName]);
  });

  for (const [os, t] of tables) {
    test(`${os}: every key present, every value a finite number (or a boolean flag)`, () => {
      assert.deepEqual(Object.keys(t).sort(), keys);
      for (const k of keys) {
        const v = t[k];
        if (k === 'SOCKADDR_HAS_LEN') assert.equal(typeof v, 'boolean');
        else assert.ok(typeof v === 'number' && Number.isInteger(v) && v >= -1, `${os}.${k} = ${v}`);
      }
    });

    test(`${os}: POLL* are distinct single bits`, () => {
      const values = POLL_KEYS.map((k) => t[k]);
      for (const [i, v] of values.entries()) assert.ok(isSingleBit(v), `${POLL_KEYS[i]} = ${v}`);
      assert.equal(new Set(values).size, values.length, 'no two POLL* bits are equal');
    });

    test(`${os}: address families and the socket-address layout`, () => {
      assert.equal(t.AF_UNIX, 1);
      assert.equal(t.AF_INET, 2);
      assert.equal(t.AF_INET6, { linux: 10, darwin: 30, freebsd: 28 }[os]);
      assert.equal(t.SOCKADDR_HAS_LEN, os !== 'linux', 'the BSDs lead with sa_len');
      assert.equal(t.SOCKADDR_UN_PATH_MAX, os === 'linux' ? 108 : 104);
      assert.equal(t.SOL_SOCKET, os === 'linux' ? 1 : 0xffff);
      assert.equal(t.FD_SETSIZE, 1024);
      assert.equal(new Set([t.SHUT_RD, t.SHUT_WR, t.SHUT_RDWR]).size, 3);
      assert.notEqual(t.O_NONBLOCK, t.O_CLOEXEC);
    });
  }

  test('linux: EPOLL* are distinct single bits, and creation flags equal the O_* flags', () => {
    const t = constantsByOs.linux;
    const values = EPOLL_KEYS.map((k) => t[k]);
    for (const [i, v] of values.entries()) assert.ok(isSingleBit(v), `${EPOLL_KEYS[i]} = ${v}`);
    assert.equal(new Set(values).size, values.length);
    assert.equal(t.EPOLLET, 2 ** 31, 'the top bit: pass it as an unsigned 32-bit value');
    assert.equal(t.EPOLLIN, t.POLLIN, 'EPOLLIN/OUT/ERR/HUP reuse the poll bits');
    assert.equal(t.EPOLLOUT, t.POLLOUT);
    assert.equal(t.EPOLLERR, t.POLLERR);
    assert.equal(t.EPOLLHUP, t.POLLHUP);
    // The kernel defines these as the O_* flags (include/linux/net.h, eventfd.h, eventpoll.h).
    assert.equal(t.SOCK_NONBLOCK, t.O_NONBLOCK);
    assert.equal(t.SOCK_CLOEXEC, t.O_CLOEXEC);
    assert.equal(t.EFD_NONBLOCK, t.O_NONBLOCK);
    assert.equal(t.EFD_CLOEXEC, t.O_CLOEXEC);
    assert.equal(t.EPOLL_CLOEXEC, t.O_CLOEXEC);
    assert.equal(t.SO_NOSIGPIPE, -1, 'Linux uses MSG_NOSIGNAL per call');
  });

  test('linux: struct epoll_event is 12 bytes packed on x86_64, 16 elsewhere', () => {
    const t = constantsByOs.linux;
    if (arch === 'x64') {
      assert.equal(t.EPOLL_EVENT_SIZE, 12);
      assert.equal(t.EPOLL_DATA_OFFSET, 4);
    } else {
      assert.equal(t.EPOLL_EVENT_SIZE, 16);
      assert.equal(t.EPOLL_DATA_OFFSET, 8);
    }
    assert.equal(t.EPOLL_EVENT_SIZE % 4, 0, 'read through a Uint32Array');
  });

  test('darwin and freebsd: no epoll, no eventfd; macOS has no SOCK_NONBLOCK (fcntl instead)', () => {
    for (const os of ['darwin', 'freebsd'] as const) {
      const t = constantsByOs[os];
      for (const k of EPOLL_KEYS) assert.equal(t[k], -1, `${os}.${k}`);
      assert.equal(t.EPOLL_EVENT_SIZE, 0);
      assert.equal(t.EFD_NONBLOCK, -1);
      assert.ok(t.SO_NOSIGPIPE > 0);
      assert.ok(t.MSG_NOSIGNAL > 0);
    }
    assert.equal(constantsByOs.darwin.SOCK_NONBLOCK, -1);
    assert.equal(constantsByOs.darwin.SOCK_CLOEXEC, -1);
    assert.equal(constantsByOs.freebsd.SOCK_NONBLOCK, 0x20000000);
    assert.equal(constantsByOs.freebsd.SOCK_CLOEXEC, 0x10000000);
    assert.notEqual(constantsByOs.darwin.O_CLOEXEC, constantsByOs.freebsd.O_CLOEXEC);
  });
});

// ── the table of this OS against its C headers ───────────────────────────────────────────

/** Keys computed from struct layouts rather than read from a macro. */
const LAYOUT: Record<string, string> = {
  SOCKADDR_HAS_LEN: 'offsetof(struct sockaddr, sa_family) == 1',
  SOCKADDR_UN_PATH_MAX: 'sizeof(((struct sockaddr_un *)0)->sun_path)',
  EPOLL_EVENT_SIZE: 'NBIO_EPOLL_EVENT_SIZE',
  EPOLL_DATA_OFFSET: 'NBIO_EPOLL_DATA_OFFSET',
};

function cProgram(): string {
  const lines = [
    '#ifdef __linux__',
    '#define _GNU_SOURCE',
    '#endif',
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include <sys/types.h>',
    '#include <sys/socket.h>',
    '#include <netinet/in.h>',
    '#include <netinet/tcp.h>',
    '#include <fcntl.h>',
    '#include <poll.h>',
    '#include <sys/resource.h>',
    '#include <sys/select.h>',
    '#include <sys/un.h>',
    '#ifdef __linux__',
    '#include <sys/eventfd.h>',
    '#include <sys/epoll.h>',
    '#define NBIO_EPOLL_EVENT_SIZE sizeof(struct epoll_event)',
    '#define NBIO_EPOLL_DATA_OFFSET offsetof(struct epoll_event, data)',
    '#else',
    '#define NBIO_EPOLL_EVENT_SIZE 0',
    '#define NBIO_EPOLL_DATA_OFFSET 0',
    '#endif',
    'int main(void) {',
  ];
  for (const k of keys) {
    if (k in LAYOUT) {
      lines.push(`  printf("${k} %lld\\n", (long long)(${LAYOUT[k]}));`);
    } else {
      lines.push(`#ifdef ${k}`, `  printf("${k} %lld\\n", (long long)(${k}));`, '#else');
      lines.push(`  printf("${k} absent\\n");`, '#endif');
    }
  }
  lines.push('  return 0;', '}', '');
  return lines.join('\n');
}

const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).error === undefined;

test(
  `${osName}: the table matches this platform's C headers`,
  { skip: hasCc ? false : 'no C compiler (cc) on PATH to read the headers with' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'nbio-constants-'));
    try {
      writeFileSync(join(dir, 'k.c'), cProgram());
      execFileSync('cc', ['-o', join(dir, 'k'), join(dir, 'k.c')], { stdio: 'pipe' });
      const out = execFileSync(join(dir, 'k'), { encoding: 'utf8' });
      const fromC = new Map(
        out
          .trim()
          .split('\n')
          .map((l) => l.split(' ') as [string, string]),
      );
      assert.equal(fromC.size, keys.length);
      const mismatches: string[] = [];
      for (const k of keys) {
        const mine = sys[k];
        const theirs = fromC.get(k)!;
        if (typeof mine === 'boolean') {
          if (mine !== (theirs === '1')) mismatches.push(`${k}: table ${mine}, headers ${theirs}`);
        } else if (theirs === 'absent') {
          // nbio marks a flag this OS lacks with −1.
          if (mine !== -1) mismatches.push(`${k}: table ${mine}, headers do not define it`);
        } else if (mine !== -1 && mine >>> 0 !== Number(theirs) >>> 0) {
          // −1 with a defined macro: nbio deliberately does not use it here (FreeBSD's eventfd).
          mismatches.push(`${k}: table ${mine}, headers ${theirs}`);
        }
      }
      assert.deepEqual(mismatches, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
