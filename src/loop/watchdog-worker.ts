/**
 * The watchdog's thread, as a self-contained JavaScript source run with
 * `new Worker(source, { eval: true })`: it needs no loader (tsx) and no file next to the built
 * package. It reads the heartbeat the loop writes into shared memory (layout in watchdog.ts)
 * every `pollMs`, and when one callback has run past the threshold:
 *
 * - if the main thread sleeps in the kernel (Linux: state `S`/`D` in /proc/<pid>/task/<pid>/stat:
 *   Atomics.wait, readFileSync on a FIFO …), a pause would land only after the call returns, at
 *   the next line, and show a misleading stack: it only flags the callback, and the loop reports
 *   it with its duration when it returns;
 * - otherwise (JavaScript is running) it pauses the main thread through the inspector
 *   (`Session.connectToMainThread()`, `Debugger.enable` done once at start since the first one
 *   takes ~40 ms), maps each frame's `scriptId` to its URL (`callFrame.url` is empty) from the
 *   `Debugger.scriptParsed` events, hands the stack to the loop by evaluating a registered
 *   function on the paused frame, and resumes.
 *
 * @module
 */

/** The worker's source (CommonJS, as eval workers run). workerData: { sab, id, thresholdMs, pollMs, print }. */
export const WATCHDOG_WORKER_SOURCE = String.raw`
'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const inspector = require('node:inspector');
const fs = require('node:fs');
const { sab, id, thresholdMs, pollMs, print } = workerData;
const i32 = new Int32Array(sab);
const f64 = new Float64Array(sab);
const SEQ = 0, RUNNING = 1, FLAGGED = 2, START = 2;
const keepAlive = setInterval(() => {}, 1 << 30); // until stopped: the inspector's replies are no handle
const scripts = new Map();
const session = new inspector.Session();
session.connectToMainThread();
session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
let watched = -1;
let done = -1;
let pausing = false;
let soFarMs = 0;
const statPath = '/proc/' + process.pid + '/task/' + process.pid + '/stat';
function mainThreadSleeps() {
  try {
    const text = fs.readFileSync(statPath, 'latin1');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state === 'S' || state === 'D';
  } catch {
    return false; // no /proc (macOS, FreeBSD): treat as running JavaScript
  }
}
function now() {
  return performance.timeOrigin + performance.now();
}
function check() {
  if (pausing || Atomics.load(i32, RUNNING) === 0) return;
  const seq = Atomics.load(i32, SEQ);
  if (seq === done) return;
  const elapsed = now() - f64[START];
  if (elapsed < thresholdMs) return;
  done = seq;
  soFarMs = elapsed;
  if (mainThreadSleeps()) {
    Atomics.store(i32, FLAGGED, seq);
    if (print) fs.writeSync(2, 'nbio watchdog: the loop has been blocked ' + Math.round(elapsed) + ' ms in a system call inside one callback (report follows when it returns)\n');
    return;
  }
  watched = seq;
  pausing = true;
  Atomics.store(i32, FLAGGED, seq);
  session.post('Debugger.pause', (err) => {
    if (err) pausing = false;
  });
}
session.on('Debugger.paused', (m) => {
  if (!pausing) {
    session.post('Debugger.resume'); // a pause that is not ours (a debugger statement): go on
    return;
  }
  const frames = m.params.callFrames.map((f) => ({
    functionName: f.functionName,
    url: f.url || scripts.get(f.location.scriptId) || '',
    line: f.location.lineNumber + 1,
    column: f.location.columnNumber + 1,
  }));
  const top = m.params.callFrames[0];
  const expr = 'globalThis[Symbol.for("nbio.watchdog")]?.get(' + id + ')?.(' + JSON.stringify(JSON.stringify(frames)) + ',' + watched + ',' + soFarMs + ')';
  session.post('Debugger.evaluateOnCallFrame', { callFrameId: top.callFrameId, expression: expr, returnByValue: true }, (err, res) => {
    session.post('Debugger.resume', () => {
      pausing = false;
    });
    if (print && !err && res && res.result && typeof res.result.value === 'string') fs.writeSync(2, res.result.value);
  });
});
session.post('Debugger.enable', () => {
  parentPort.postMessage('ready');
  const timer = setInterval(check, pollMs);
  parentPort.on('message', (msg) => {
    if (msg !== 'stop') return;
    clearInterval(timer);
    clearInterval(keepAlive);
    session.post('Debugger.disable', () => {
      session.disconnect();
      parentPort.postMessage('stopped');
    });
  });
});
`;
