/**
 * The watchdog's thread, as a self-contained JavaScript source run with
 * `new Worker(source, { eval: true })`: it needs no loader (tsx) and no file next to the built
 * package. It reads the heartbeat the loop writes into shared memory (layout in watchdog.ts)
 * every `pollMs`. The loop writes no time: a callback's sequence number (odd while it runs)
 * first seen at one look began after the look before, so it has run at least since that first
 * look and at most since the look before. When it has run past the threshold by the first
 * measure, the worker writes the second (its start at the earliest) for the loop's report, and:
 *
 * - if the main thread sleeps in the kernel (Atomics.wait, readFileSync on a FIFO …; on Linux:
 *   asleep, state S or D in /proc/<pid>/task/<pid>/stat, at 6 looks over ~6 ms), a pause
 *   would land only after the call returns, at the next line, and show a misleading stack: it
 *   only marks the callback as sleeping, and the loop reports it with its duration when it
 *   returns;
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
const SEQ = 0, FLAGGED = 2, SLEPT = 3, START = 2;
const keepAlive = setInterval(() => {}, 1 << 30); // until stopped: the inspector's replies are no handle
const scripts = new Map();
const session = new inspector.Session();
session.connectToMainThread();
session.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
let watched = -1;
let done = -1;
let pausing = false;
let soFarMs = 0;
const task = '/proc/' + process.pid + '/task/' + process.pid;
/** The main thread's state letter (R running or runnable, S/D asleep in the kernel), or '' without /proc. */
function state() {
  try {
    const text = fs.readFileSync(task + '/stat', 'latin1');
    const at = text.lastIndexOf(')') + 2;
    return text.slice(at, at + 1);
  } catch {
    return ''; // no /proc (macOS, FreeBSD): treat as running JavaScript
  }
}
/**
 * Calls back with whether the main thread sleeps in the kernel: its state letter says so at
 * every one of PROBES looks, 1 ms apart. One look could catch a spinning thread in a short
 * futex wait (a GC handshake); schedstat's counters are no help, the kernel updates them only
 * at ticks and switches.
 */
const PROBES = 6;
function probeSleeping(done) {
  let left = PROBES;
  const look = () => {
    const s = state();
    if (s !== 'S' && s !== 'D') return done(false);
    if (--left === 0) return done(true);
    setTimeout(look, 1);
  };
  look();
}
function now() {
  return performance.timeOrigin + performance.now();
}
function retry(seq) {
  pausing = false;
  watched = -1;
  if (done === seq) done = -1;
}
// The sequence seen at the last look, when it was first seen, and the look before that.
let seen = -1;
let seenAt = 0;
let startedAfter = 0;
let lastLook = now();
function check() {
  const t = now();
  const seq = Atomics.load(i32, SEQ);
  if (seq !== seen) {
    seen = seq;
    seenAt = t;
    startedAfter = lastLook;
  }
  lastLook = t;
  if (pausing || (seq & 1) === 0 || seq === done) return;
  if (t - seenAt < thresholdMs) return;
  done = seq;
  f64[START] = startedAfter;
  soFarMs = t - startedAfter;
  Atomics.store(i32, FLAGGED, seq); // the loop reports it when it returns, stack or not
  pausing = true;
  probeSleeping((sleeps) => {
    if (sleeps) {
      // Not looked at again: when the call returns, the next lines of the same callback run, and
      // a stack taken there would name them, not the call that blocked.
      Atomics.store(i32, SLEPT, seq);
      if (print) fs.writeSync(2, 'nbio watchdog: the loop has been blocked ' + Math.round(now() - f64[START]) + ' ms in a system call inside one callback (report follows when it returns)\n');
    }
    if (sleeps || Atomics.load(i32, SEQ) !== seq) {
      pausing = false;
      return;
    }
    watched = seq;
    soFarMs = now() - f64[START];
    session.post('Debugger.pause', (err) => {
      if (err) retry(seq);
    });
    // A pause that has not landed within a second (a loaded machine) is given up and asked for
    // again while the same callback still runs; a late one is then not ours and is resumed.
    setTimeout(() => {
      if (pausing && watched === seq) retry(seq);
    }, 1000);
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
  const seq = watched;
  session.post('Debugger.evaluateOnCallFrame', { callFrameId: top.callFrameId, expression: expr, returnByValue: true }, (err, res) => {
    const taken = !err && res && !res.exceptionDetails && res.result && res.result.type === 'string';
    session.post('Debugger.resume', () => {
      if (taken) pausing = false;
      else retry(seq); // the stack was not kept: try again while the same callback still runs
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
