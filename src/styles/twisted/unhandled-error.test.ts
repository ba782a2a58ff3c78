// The unhandled-failure report, made deterministic: a child process run with --expose-gc
// drops failed Deferreds, forces garbage collection and prints the reports it received.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const here = new URL('.', import.meta.url).href;
const loopUrl = new URL('../../loop/event-loop.ts', import.meta.url).href;

const CHILD = `
import { Deferred } from '${here}deferred.ts';
import { setDebugging } from '${here}debugging.ts';
import { setUnhandledErrorHandler, reportUnhandledErrorsTo } from '${here}unhandled-error.ts';
import { EventLoop } from '${loopUrl}';

const reports = [];
setUnhandledErrorHandler((r) => reports.push({ error: r.error.message, createdAt: r.createdAt, failedIn: r.failedIn, message: r.message }));

async function collect(expected) {
  for (let i = 0; i < 50 && reports.length < expected; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 1));
  }
}

// 1. debugging off: errback() with nobody handling it
function failQuietly() { new Deferred().errback(new Error('plain failure')); }
failQuietly();
// 2. a handled failure: no report
function failHandled() { const d = new Deferred(); d.errback(new Error('handled')); d.addErrback(() => 'fine'); }
failHandled();
// 3. debugging on: the creation site is known; the failure comes from a throwing callback,
//    whose stack runs through the Deferred's own frames
setDebugging(true);
function createdHere() {
  const d = new Deferred();
  d.addCallback(function parseReply() { throw new Error('callback threw'); });
  return d;
}
function fireIt() { createdHere().callback('x'); }
fireIt();
await collect(2);
const direct = reports.splice(0);

// 4. routed to a loop's exception handler
const contexts = [];
const loop = new EventLoop({ selector: 'poll', exceptionHandler: (ctx) => contexts.push({ message: ctx.message, error: ctx.error.message }) });
const undo = reportUnhandledErrorsTo(loop);
function viaLoop() { new Deferred().errback(new Error('to the loop')); }
viaLoop();
for (let i = 0; i < 50 && contexts.length < 1; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 1)); }
undo();
loop.close();
console.log(JSON.stringify({ direct, contexts }));
`;

test('a failed Deferred that is garbage-collected unhandled is reported, with its creation site when debugging', () => {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', CHILD],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const { direct, contexts } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    direct: { error: string; createdAt: string[] | null; failedIn: string; message: string }[];
    contexts: { message: string; error: string }[];
  };
  const byError = new Map(direct.map((d) => [d.error, d]));
  assert.equal(
    direct.length,
    2,
    `two unhandled failures, the handled one not reported: ${JSON.stringify(direct)}`,
  );
  assert.equal(byError.has('handled'), false);

  const quiet = byError.get('plain failure')!;
  assert.equal(quiet.createdAt, null);
  assert.equal(quiet.failedIn, 'errback()');
  assert.match(quiet.message, /^Unhandled error in Deferred/);
  assert.match(quiet.message, /created at: not recorded: set NBIO_DEFERRED_DEBUG=1/);
  assert.match(quiet.message, /error: Error: plain failure\n\s+at failQuietly/, "the error's own stack");

  const traced = byError.get('callback threw')!;
  assert.match(
    traced.createdAt?.[0] ?? '',
    /^at createdHere /,
    'the first frame is the code that created it',
  );
  assert.equal(traced.failedIn, 'callback parseReply');
  assert.match(traced.message, /created at:\n {4}at createdHere .*\n {4}at fireIt/);

  assert.equal(contexts.length, 1);
  assert.equal(contexts[0]?.error, 'to the loop');
  assert.match(
    contexts[0]?.message ?? '',
    /unhandled error in a Deferred created at viaLoop .*\(failed in errback\(\)\)/,
  );
});
