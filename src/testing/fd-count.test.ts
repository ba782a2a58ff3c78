import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fdSnapshot, fdsOpenedSince, openFdCount } from './fd-count.ts';

describe('fdSnapshot / fdsOpenedSince', () => {
  let dir = '';
  let fileA = '';
  let fileB = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nbio-fd-count-'));
    fileA = join(dir, 'a');
    fileB = join(dir, 'b');
    writeFileSync(fileA, 'a');
    writeFileSync(fileB, 'b');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('nothing opened since: empty', () => {
    const fds = fdSnapshot();
    assert.deepEqual(fdsOpenedSince(fds), []);
  });

  test('a descriptor left open is reported with its number, until it is closed', () => {
    const fds = fdSnapshot();
    const fd = openSync(fileA, 'r');
    try {
      const opened = fdsOpenedSince(fds);
      assert.equal(opened.length, 1, String(opened));
      assert.ok(opened[0]?.startsWith(`${fd}`), String(opened));
      if (process.platform === 'linux') assert.ok(opened[0]?.endsWith(fileA), String(opened));
    } finally {
      closeSync(fd);
    }
    assert.deepEqual(fdsOpenedSince(fds), []);
  });

  test('a descriptor closed since the snapshot is not a leak (the count says otherwise)', () => {
    const fd = openSync(fileA, 'r');
    const fds = fdSnapshot();
    const count = openFdCount();
    closeSync(fd); // what Node 24 does to descriptors of its own after start
    assert.equal(openFdCount(), count - 1);
    assert.deepEqual(fdsOpenedSince(fds), []);
  });

  test(
    'a number closed and reused for another file is reported (Linux: /proc/self/fd targets)',
    {
      skip: process.platform !== 'linux' && 'only /proc/self/fd says what a descriptor refers to',
    },
    () => {
      const first = openSync(fileA, 'r');
      const fds = fdSnapshot();
      closeSync(first);
      const second = openSync(fileB, 'r'); // the lowest free number: the one just closed
      try {
        assert.equal(second, first);
        assert.deepEqual(fdsOpenedSince(fds), [`${second} ${fileB}`]);
      } finally {
        closeSync(second);
      }
    },
  );

  test(
    "a file the runtime's TLS reads by itself (NODE_EXTRA_CA_CERTS) is not the test's",
    { skip: process.platform !== 'linux' && 'only /proc/self/fd says what a descriptor refers to' },
    () => {
      const saved = process.env.NODE_EXTRA_CA_CERTS;
      process.env.NODE_EXTRA_CA_CERTS = fileA;
      const fds = fdSnapshot();
      const runtimes = openSync(fileA, 'r');
      const tests = openSync(fileB, 'r');
      try {
        assert.deepEqual(fdsOpenedSince(fds), [`${tests} ${fileB}`]);
      } finally {
        closeSync(runtimes);
        closeSync(tests);
        if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
        else process.env.NODE_EXTRA_CA_CERTS = saved;
      }
    },
  );
});
