/**
 * Draws docs/img/trace-viewer.png: a trace of the nbio echo server under load, taken with
 * NBIO_TRACE, opened in a real trace viewer — the Performance panel of Chromium's own DevTools
 * (`devtools://devtools/bundled/trace_app.html`, which loads Chrome trace-event JSON from a
 * file), in Debian's headless Chromium through playwright-core.
 *
 * Why that viewer: Perfetto's UI is a web site (no network here), and Debian's Chromium 156
 * refuses chrome://tracing (`net::ERR_FAILED`, then the browser closes, even after "Enable
 * internal debugging pages" on chrome://chrome-urls). DevTools' Performance panel is the viewer
 * Chromium ships for the same files.
 *
 *   node --import tsx scripts/trace-viewer-screenshot.ts [out.png] [trace.json]
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/integration/fixtures/chromium.ts';

const root = new URL('..', import.meta.url).pathname;
const out = resolve(process.argv[2] ?? join(root, 'docs', 'img', 'trace-viewer.png'));
const work = mkdtempSync(join(tmpdir(), 'nbio-trace-viewer-'));
const trace = resolve(process.argv[3] ?? join(work, 'echo-trace.json'));

if (!existsSync(CHROMIUM)) {
  console.error(`trace-viewer-screenshot: ${CHROMIUM} is not installed (apt-get install -y chromium).`);
  process.exit(2);
}
if (process.argv[3] === undefined) {
  // The echo server of the trace tests, 8 stream clients × 40 round trips, epoll guest mode.
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/trace/test-support.ts'), 'epoll', '8', '40'],
    { cwd: root, env: { ...process.env, NBIO_TRACE: trace }, encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) {
    console.error(`trace-viewer-screenshot: the traced run failed:\n${run.stderr}`);
    process.exit(1);
  }
}

const context = await chromium.launchPersistentContext(join(work, 'profile'), {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1600, height: 900 },
  args: [...CHROMIUM_ARGS],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  await page.goto('devtools://devtools/bundled/trace_app.html');
  // Opened without a page to inspect, DevTools says its connection closed: dismiss that.
  await page.getByText('Reconnect DevTools').waitFor();
  await page.keyboard.press('Escape');
  await page.getByText('Performance', { exact: true }).first().click();
  const load = page.getByRole('button', { name: /Load (trace|profile)/ }).first();
  await load.waitFor();
  const chooser = page.waitForEvent('filechooser');
  await load.click();
  await (await chooser).setFiles(trace);
  await page.getByText('Summary', { exact: true }).first().waitFor(); // the trace is drawn
  await page.waitForTimeout(1500);
  // The panel draws on canvases: these clicks are at the places it draws (1600×900 viewport).
  await page.mouse.click(1571, 77); // close the keyboard-shortcuts card shown on a first load
  await page.mouse.click(249, 129); // expand the process: the loop's tracks and counters
  await page.mouse.click(15, 40); // hide the sidebar
  await page.waitForTimeout(500);
  await page.mouse.click(20, 166); // expand the kernel-wait track
  await page.mouse.click(20, 145); // expand the loop's track: iterations, callbacks nested
  // DevTools first shows the whole run; the echo load fills its middle. Zoom in there ('w', as
  // in the panel's own shortcuts, zooms toward the pointer) so iterations, their callbacks and
  // the kernel waits between them can be read.
  await page.mouse.move(800, 160);
  for (let i = 0; i < 9; i++) {
    await page.keyboard.press('w');
    await page.waitForTimeout(150);
  }
  await page.mouse.move(800, 500); // no tooltip in the picture
  await page.waitForTimeout(1000);
  await page.screenshot({ path: out });
  console.log(`trace-viewer-screenshot: ${trace} opened in DevTools' Performance panel → ${out}`);
} finally {
  await context.close();
  if (process.argv[3] === undefined) rmSync(work, { recursive: true, force: true });
}
