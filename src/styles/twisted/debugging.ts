/**
 * Where Deferreds come from: the debug switch and the call-site capture behind the Deferred's
 * error reports (Twisted's `defer.setDebugging`).
 *
 * ## Why it is off by default (measured)
 * Capturing a stack costs about 2 µs on this machine kind (Node 20: `new Error()` 2.1–2.6 µs,
 * `Error.captureStackTrace` 1.7 µs even with a limit of one frame, 0.5 µs with none), and
 * formatting it another 3.5 µs. A Deferred created, given a callback and fired costs 60–190 ns
 * with debugging off and 6.7–6.8 µs with it on (two captures: creation and first fire): 35 to
 * 100 times more, and about as much CPU as five syscalls, for every Deferred of every request.
 * So, like Twisted, the creation and first-fire sites are recorded only with debugging on.
 * Unlike Twisted, the report without it still says what you need to act: the error's own
 * stack, which callback of the chain failed, and the exact switch that adds the creation site
 * (`NBIO_DEFERRED_DEBUG=1` in the environment, or `setDebugging(true)`). With it on, a site
 * is captured but formatted only when a report or an error message needs its text.
 *
 * @module
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

let debugging = process.env.NBIO_DEFERRED_DEBUG === '1';

/** The sentence reports use when a site was not recorded. */
export const NOT_RECORDED =
  'not recorded: set NBIO_DEFERRED_DEBUG=1 or call setDebugging(true) to record where each Deferred is created and fired';

/**
 * Turns recording of creation and fire sites on or off for Deferreds created (or fired) from
 * now on. Off by default (see the module comment); `NBIO_DEFERRED_DEBUG=1` turns it on at start.
 */
export function setDebugging(on: boolean): void {
  debugging = on;
}

/** True while Deferreds record where they are created and fired. */
export function getDebugging(): boolean {
  return debugging;
}

/** Frames kept in a recorded site: enough to reach the caller through this style's own frames. */
const SITE_FRAMES = 12;

/** A recorded call site: V8 formats `stack` only when it is first read. */
export interface Site {
  stack?: string;
}

/**
 * Records the stack above `skip` (the frames of `skip` and its callees are left out).
 * Formatting is deferred to the first read of `site.stack`.
 */
// biome-ignore lint/complexity/noBannedTypes: V8's captureStackTrace takes any function or class
export function captureSite(skip: Function): Site {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = SITE_FRAMES;
  const site: Site = {};
  Error.captureStackTrace(site, skip);
  Error.stackTraceLimit = limit;
  return site;
}

/** This folder, to recognise the style's own frames (test files excepted). */
const OWN_DIR = dirname(fileURLToPath(import.meta.url));

function isOwnFrame(line: string): boolean {
  const i = line.indexOf(OWN_DIR);
  if (i < 0) return false;
  const rest = line.slice(i + OWN_DIR.length);
  return /^\/[^/]+\.ts:/.test(rest) && !/^\/[^/]+\.test\.ts:/.test(rest);
}

/**
 * The frames of a stack (its `at …` lines, trimmed), leaving out this style's own files and
 * Node's internals, so the first one is the caller's code.
 */
export function userFrames(stack: string | undefined): string[] {
  if (stack === undefined) return [];
  return stack
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) => l.startsWith('at ') && !isOwnFrame(l) && !l.includes('(node:') && !l.startsWith('at node:'),
    );
}

/** The first user frame of a recorded site, without the leading `at `, or null. */
export function firstUserFrame(site: Site | null | undefined): string | null {
  const f = userFrames(site?.stack)[0];
  return f === undefined ? null : f.slice(3);
}
