// The lab page in a real browser (headless Chromium through playwright-core): the numbers it
// shows are the workload loop's stats(), step adds exactly one iteration, the blocking
// callback's stack appears, the slow reader's buffer goes past its high water mark, and the
// backend switch (to io_uring where the kernel has it) and "add 1,000 idle clients" controls work. Screenshots go to a temporary
// folder, or to $NBIO_LAB_SHOTS (docs/img/ for the pictures docs/seeing.md embeds).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Lab } from '../../src/cli/lab/lab-session.ts';
import { availableBackends } from '../../src/selector/default-selector.ts';
import { getNoFileLimit } from '../../src/sys/rlimit.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from './fixtures/chromium.ts';

const skip = chromiumSkip;
if (skip) console.log(`# lab page test skipped: ${skip}`);

test('the lab page in headless Chromium', { skip, timeout: 40_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const fds = fdSnapshot();
  const profile = mkdtempSync(join(tmpdir(), 'nbio-lab-chromium-'));
  const shots = resolve(process.env.NBIO_LAB_SHOTS ?? mkdtempSync(join(tmpdir(), 'nbio-lab-shots-')));
  mkdirSync(shots, { recursive: true });
  const backend = availableBackends().includes('epoll') ? 'epoll' : 'poll';
  const lab = await Lab.start({ backend, port: 0 });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [...CHROMIUM_ARGS],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(8000);
    const text = async (id: string) => (await page.textContent(`#${id}`)) ?? '';
    /** Polls what element `id` shows until `ok` holds (bounded). */
    const until = async (id: string, ok: (shown: string) => boolean): Promise<void> => {
      const end = performance.now() + 8000;
      for (let shown = await text(id); !ok(shown); shown = await text(id)) {
        if (performance.now() > end) assert.fail(`the page's #${id} still shows ${JSON.stringify(shown)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await page.goto(lab.url);
    await until('backend', (t) => t === backend);
    const loop = lab.workload.loop;
    // Let the talkers talk, then stop the loop: the page must show exactly what stats() says.
    await until('ioCallbacks', (t) => Number(t) >= 6);
    await page.click('#pause');
    await until('state', (t) => t === 'paused');
    const stats = loop.stats();
    await until('iterations', (t) => t === String(stats.iterations));
    assert.equal(await text('readers'), String(stats.readers));
    assert.equal(await text('writers'), String(stats.writers));
    assert.equal(await text('timersPending'), String(stats.timersPending));
    assert.equal(await text('ioCallbacks'), String(stats.ioCallbacks));
    assert.equal(Number(await text('fdCount')), stats.readers + stats.writers + 1); // + the waker
    // Step: exactly one more iteration, and what the kernel was asked and answered.
    await page.click('#step');
    const next = stats.iterations + 1;
    await until('iterations', (t) => t === String(next));
    assert.equal(loop.stats().iterations, next);
    const detail = await text('detail');
    assert.match(detail, new RegExp(`^iteration ${next}\\n`));
    assert.match(detail, /asked the kernel: wait [\d.∞]+ ms \(\w+/);
    assert.match(detail, /kernel answered after/);
    assert.match(detail, /system calls: .*epoll_wait|poll/);
    await page.screenshot({ path: join(shots, 'lab-step.png'), fullPage: true });
    // Still paused: a second look shows the same count.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await text('iterations'), String(next));
    // Backpressure and the watchdog.
    await page.click('#resume');
    await page.click('#slow');
    await until('buffers', (t) => t.includes('PAUSED'));
    await page.click('#block');
    await until('stall', (t) => t.includes('labBlockingCallback'));
    const stall = await text('stall');
    assert.match(stall, /STALL soon labBlockingCallback blocked the loop for \d+/);
    assert.match(stall, /at labBlockingCallback .*lab-workload\.ts:\d+:\d+/);
    await page.screenshot({ path: join(shots, 'lab-stall.png'), fullPage: true });
    // 1,000 idle clients: 2,000 more descriptors (client and server ends), when the limit allows.
    if (getNoFileLimit().soft >= 4096) {
      const before = Number(await text('fdCount'));
      await page.click('#idle');
      await until('fdCount', (t) => Number(t) >= before + 2000);
    } else console.log(`# idle clients skipped: RLIMIT_NOFILE ${getNoFileLimit().soft} < 4096`);
    // The switch offers every backend this machine has; switch to io_uring when the kernel
    // allows it (its connections are listed as io_uring operations), else to another one.
    const offered = await page.$$eval('#backendSelect option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(offered, availableBackends());
    const other = availableBackends().includes('io_uring')
      ? 'io_uring'
      : backend === 'epoll'
        ? 'poll'
        : 'select';
    await page.selectOption('#backendSelect', other);
    await page.click('#switch');
    await until('backend', (t) => t === other);
    assert.equal(lab.workload.backend, other);
    // The fresh workload runs on it: its talkers' callbacks are counted and its iterations go on.
    await until('ioCallbacks', (t) => Number(t) >= 6);
    const afterSwitch = Number(await text('iterations'));
    await until('iterations', (t) => Number(t) > afterSwitch);
    if (other === 'io_uring') {
      await until('fds', (t) => t.includes('(io_uring operations)'));
      // The detail is the last iteration's: one with nothing to submit or reap asks the kernel
      // nothing (seen in CI: 'wait 0.000 ms (node-immediate)', 'system calls: none'); the next
      // one that waits enters the ring.
      await until('detail', (t) => /io_uring_enter/.test(t));
      await page.screenshot({ path: join(shots, 'lab-io-uring.png'), fullPage: true });
    }
  } finally {
    await context.close();
    await lab.close();
    rmSync(profile, { recursive: true, force: true });
  }
  assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
});
