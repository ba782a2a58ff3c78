/**
 * Reporting a Deferred that was garbage-collected while its chain ended in a failure nobody
 * handled (Twisted's "Unhandled error in Deferred"), with what Twisted's report lacks: where
 * the Deferred was created (with debugging on, see debugging.ts), which callback failed, and
 * the error's own stack.
 *
 * ## How
 * A Deferred whose callbacks have all run and left a failure registers itself with one
 * `FinalizationRegistry`; adding an errback later unregisters it. When the garbage collector
 * reclaims a registered Deferred, the registry's callback (a task of its own, after the GC)
 * hands the report to the handler. The record the registry keeps must not reach the Deferred
 * (or it would never be collected): it holds the error and plain strings only, and the error's
 * stack is formatted on registration, because V8 keeps an unformatted stack's frames, whose
 * receivers include the Deferred itself, alive until `stack` is first read.
 *
 * The handler is process-wide (a report arrives from the garbage collector, outside any loop):
 * by default it writes to stderr; {@link reportUnhandledErrorsTo} routes reports to a loop's
 * exception handler instead.
 *
 * @module
 */
import { NOT_RECORDED, type Site, userFrames } from './debugging.ts';

/** What the handler receives about one unhandled failure. */
export interface UnhandledErrorReport {
  /** The failure the chain ended with. */
  readonly error: unknown;
  /** The creation site's frames (`at …` lines), or null when debugging was off. */
  readonly createdAt: readonly string[] | null;
  /** What produced the failure: `errback()`, `callback parseReply`, … */
  readonly failedIn: string;
  /** The whole report as text, several lines. */
  readonly message: string;
}

/** Receives unhandled-failure reports. Must not throw. */
export type UnhandledErrorHandler = (report: UnhandledErrorReport) => void;

/** The default handler: the report's text on stderr. */
export const logUnhandledError: UnhandledErrorHandler = (report) => {
  console.error(report.message);
};

let handler: UnhandledErrorHandler = logUnhandledError;

/**
 * Replaces the process-wide handler of unhandled Deferred failures (null restores the default,
 * which writes to stderr).
 * @returns the handler that was installed before
 */
export function setUnhandledErrorHandler(next: UnhandledErrorHandler | null): UnhandledErrorHandler {
  const previous = handler;
  handler = next ?? logUnhandledError;
  return previous;
}

/** The part of an EventLoop the routing needs. */
export interface ExceptionSink {
  reportException(error: unknown, context: string): void;
}

/**
 * Routes unhandled Deferred failures to `loop.reportException` (the loop's exception handler),
 * with the creation site in the context line.
 * @returns a function that restores the handler installed before
 */
export function reportUnhandledErrorsTo(loop: ExceptionSink): () => void {
  const previous = setUnhandledErrorHandler((r) => {
    const where = r.createdAt?.[0]?.slice(3) ?? `unknown creation site: ${NOT_RECORDED}`;
    loop.reportException(
      r.error,
      `unhandled error in a Deferred created at ${where} (failed in ${r.failedIn})`,
    );
  });
  return () => {
    setUnhandledErrorHandler(previous);
  };
}

/** What the registry keeps for one failed Deferred: no path back to it. */
export interface PendingFailure {
  error: unknown;
  errorText: string;
  createdAt: string[] | null;
  failedIn: string;
}

const registry = new FinalizationRegistry<PendingFailure>((pending) => {
  const report: UnhandledErrorReport = {
    error: pending.error,
    createdAt: pending.createdAt,
    failedIn: pending.failedIn,
    message: formatReport(pending),
  };
  try {
    handler(report);
  } catch (handlerError) {
    logUnhandledError(report);
    console.error('nbio: the unhandled-error handler itself threw', handlerError);
  }
});

/** Formats an error's stack now (see the module comment), returning the text. */
function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error) void cause.stack;
    return error.stack ?? `${error.name}: ${error.message}`;
  }
  return `${typeof error === 'string' ? JSON.stringify(error) : String(error)} (thrown value is not an Error, so it has no stack)`;
}

/**
 * Registers `deferred` as holding an unhandled failure.
 * @returns the record, to pass to {@link untrackFailure} when the failure gets handled
 */
export function trackFailure(
  deferred: object,
  error: unknown,
  created: Site | null,
  failedIn: string,
): PendingFailure {
  const pending: PendingFailure = {
    error,
    errorText: errorText(error),
    createdAt: created === null ? null : userFrames(created.stack),
    failedIn,
  };
  registry.register(deferred, pending, pending);
  return pending;
}

/** The failure tracked as `pending` was handled: no report. */
export function untrackFailure(pending: PendingFailure): void {
  registry.unregister(pending);
}

function formatReport(p: PendingFailure): string {
  const created = p.createdAt === null ? ` ${NOT_RECORDED}` : `\n    ${p.createdAt.join('\n    ')}`;
  return [
    'Unhandled error in Deferred: it was garbage-collected while its chain ended in a failure.',
    `created at:${created}`,
    `failed in: ${p.failedIn}`,
    `error: ${p.errorText}`,
    'Handle it: add an errback at the end of the chain (d.addErrback(…)), or return the Deferred to code that does.',
  ].join('\n');
}
