// nbio race: one cell measured on every backend here counts exactly the system calls and events
// the workload makes; the plot and page are written; bad flags get typed errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { availableBackends } from '../selector/default-selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { measureCell, raceCommand, raceHtml, raceSvg, raceTable, runRace } from './race.ts';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('one cell per backend: 2 active pairs → 2 events and 5 system calls per iteration', () => {
  const before = fdSnapshot();
  for (const backend of availableBackends()) {
    const cell = measureCell(backend, [], 2, 20);
    assert.ok('usPerIteration' in cell, `${backend} measured`);
    assert.equal(cell.eventsPerWake, 2, backend);
    // each event: one read and one write; plus the one wait of the iteration
    assert.equal(cell.syscallsPerIteration, 5, backend);
    assert.ok(cell.iterations >= 16 && cell.usPerIteration > 0 && cell.cpuUsPerEvent >= 0);
  }
  assert.deepEqual(fdsOpenedSince(before), [], 'every descriptor closed');
});

test('runRace covers every cell, refuses what a backend cannot watch, and draws the plot', () => {
  const before = fdSnapshot();
  const progress: string[] = [];
  const cells = runRace({
    idle: [0, 1100],
    active: [1],
    backends: ['select', 'poll'],
    timeMs: 15,
    onCell: (_d, _t, what) => progress.push(what),
  });
  assert.deepEqual(fdsOpenedSince(before), [], 'idle descriptors closed');
  assert.deepEqual(progress, [
    'select idle=0 active=1',
    'poll idle=0 active=1',
    'select idle=1100 active=1',
    'poll idle=1100 active=1',
    'done',
  ]);
  const selectBig = cells.find((c) => c.backend === 'select' && c.idle === 1100);
  assert.deepEqual(selectBig && 'refused' in selectBig ? selectBig.refused : null, 'NBIO_FD_TOO_LARGE');
  const pollBig = cells.find((c) => c.backend === 'poll' && c.idle === 1100);
  assert.ok(pollBig && 'usPerIteration' in pollBig);
  const svg = raceSvg(cells, 'test');
  assert.match(svg, /^<svg[^>]*>/);
  assert.match(svg, />poll</);
  assert.match(raceTable(cells), /refused: NBIO_FD_TOO_LARGE/);
  assert.match(raceHtml(cells, svg, 'test'), /<pre>[\s\S]*poll[\s\S]*<\/pre>/);
});

test('nbio race: bad flags are usage errors with a stable code, before anything runs', async () => {
  for (const argv of [
    ['--idle', '1,x'],
    ['--active', '0'],
    ['--backends', 'carrier-pigeon'],
    ['--fast'],
    ['stray'],
  ]) {
    await assert.rejects(raceCommand.run(argv), code('NBIO_INVALID_ARGUMENT'), argv.join(' '));
  }
  assert.match(raceCommand.usage, /--idle <n,…>.*\(default 0,1000,5000,9500\)/);
});

test('nbio race writes its files (a tiny run)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nbio-race-'));
  try {
    const { race } = await import('./race.ts');
    const log = console.log;
    console.log = () => {};
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      assert.equal(
        await race([
          '--idle',
          '0,20',
          '--active',
          '1',
          '--backends',
          'poll',
          '--time-ms',
          '10',
          '--out',
          dir,
        ]),
        0,
      );
    } finally {
      console.log = log;
      process.stderr.write = write;
    }
    assert.match(readFileSync(join(dir, 'race.svg'), 'utf8'), /<svg/);
    assert.match(readFileSync(join(dir, 'race.html'), 'utf8'), /<!doctype html>/);
    assert.equal((JSON.parse(readFileSync(join(dir, 'race.json'), 'utf8')) as unknown[]).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
