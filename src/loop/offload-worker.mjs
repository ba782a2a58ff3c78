// The bootstrap of an OffloadPool worker thread (src/loop/offload-pool.ts; docs/offload-pool.md).
//
// Plain JavaScript on purpose: on Node 20 a worker cannot load a .ts file until a TypeScript
// loader is registered in that very thread (`node --import tsx` on the main thread does not
// reach workers: measured, ERR_UNKNOWN_FILE_EXTENSION). So: register tsx when it is installed,
// else rely on Node's own type stripping (Node 22.18+/23.6+), then import the task modules.
// Built (dist/, what an installed package runs), the modules beside this file are compiled
// JavaScript: nbio's own code then needs no loader, and tsx is only tried for the caller's tasks.
//
// Protocol. Main → worker, through `parentPort` (the worker's own Node loop delivers it):
//   { id, module, exportName, args }            one task at a time
// Worker → loop, through the loop's channel (a MessagePort + a write to the loop's waker, so a
// loop blocked in select() wakes at once):
//   { type: 'done', id, ok: true, value }       the export's return value (awaited)
//   { type: 'done', id, ok: false, error }      what it threw, as plain data (name, message, code…)
//   { type: 'exit', code }                      the thread is exiting (process.exit in a task …)
// Worker → main, through `parentPort`: { type: 'idle', id } after each task. The pool only uses
// it to notice that its loop was closed under it (a safety net; see offload-pool.ts).
//
// `closedFlag` (a SharedArrayBuffer the pool sets when it closes) is checked before each post:
// once the pool is closed, the loop's waker fd may be closed too, and its number reused.
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** True when this file runs from dist/ (compiled siblings), false in the sources. */
const compiled = existsSync(new URL('./threadsafe.js', import.meta.url));

async function enableTypeScript() {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    return;
  } catch (err) {
    if (compiled || process.features.typescript) return; // no loader needed, or Node strips types
    throw new Error(
      `An offload worker cannot load TypeScript: tsx is not installed (${err.message}) and this Node (${process.version}) has no type stripping. Install tsx, or use Node >= 22.18.`,
    );
  }
}

await enableTypeScript();
const { ThreadsafeSender } = await import(compiled ? './threadsafe.js' : './threadsafe.ts');
const sender = new ThreadsafeSender(workerData.endpoint);
const closed = new Int32Array(workerData.closedFlag);

function post(message) {
  if (Atomics.load(closed, 0) === 0) sender.post(message);
}

/** An error as structured-cloneable data: the standard fields plus own primitive properties. */
function serializeError(err) {
  if (!(err instanceof Error)) {
    return { name: 'Error', message: `Offload task threw a non-Error value: ${String(err)}`, props: {} };
  }
  const props = {};
  for (const [k, v] of Object.entries(err)) {
    const t = typeof v;
    if (v === null || t === 'string' || t === 'number' || t === 'boolean') props[k] = v;
  }
  return { name: err.name, message: err.message, stack: err.stack, props };
}

// import() of a module already loaded still goes through the loader hooks (tsx's run on their
// own thread): measured ~3 ms per lookup without this cache, ~0.1 ms with it.
const modules = new Map();

async function run(task) {
  let reply;
  try {
    let mod = modules.get(task.module);
    if (mod === undefined) {
      mod = await import(task.module);
      modules.set(task.module, mod);
    }
    const fn = mod[task.exportName];
    if (typeof fn !== 'function') {
      throw new TypeError(
        `Module ${task.module} has no exported function '${task.exportName}' (found ${typeof fn}). Export it, or fix the name.`,
      );
    }
    reply = { type: 'done', id: task.id, ok: true, value: await fn(...task.args) };
  } catch (err) {
    reply = { type: 'done', id: task.id, ok: false, error: serializeError(err) };
  }
  try {
    post(reply);
  } catch (err) {
    // DataCloneError: the value cannot cross threads. Say so instead of losing the task.
    const why = new TypeError(
      `The result of ${task.exportName}() cannot be sent back to the loop: ${err.message}. Return structured-cloneable data (no functions, no class instances with private state).`,
    );
    post({ type: 'done', id: task.id, ok: false, error: serializeError(why) });
  }
  parentPort.postMessage({ type: 'idle', id: task.id });
}

process.on('exit', (code) => {
  try {
    post({ type: 'exit', code });
  } catch {
    // The port may be closed already; the pool also hears the Worker's 'exit' event.
  }
});

parentPort.on('message', (task) => {
  run(task);
});
