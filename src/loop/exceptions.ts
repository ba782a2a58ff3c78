/**
 * The loop's exception handler: one failing callback never stops the loop. The error goes to
 * the handler with context (what kind of callback, which fd, the function's name); the
 * default handler logs it to stderr.
 *
 * @module
 */

/** What the loop knows about a failure. */
export interface ExceptionContext {
  /** A sentence: "Exception in I/O reader callback for fd 7 (onReadable)". */
  message: string;
  /** What was thrown. */
  error: unknown;
  /** Kind of callback: 'timer callback', 'I/O reader callback', … */
  where: string;
  /** The fd, or −1. */
  fd: number;
}

/** Receives every exception a callback throws. Must not throw itself. */
export type ExceptionHandler = (context: ExceptionContext) => void;

/** The default: one line of context, then the error with its stack, on stderr. */
export const logException: ExceptionHandler = (ctx) => {
  console.error(`nbio: ${ctx.message}`, ctx.error);
};

/** Counts and routes exceptions to the current handler. */
export class ExceptionReporter {
  #handler: ExceptionHandler;
  /** Exceptions reported so far. */
  count = 0;

  /** @param handler the initial handler (default {@link logException}) */
  constructor(handler?: ExceptionHandler) {
    this.#handler = handler ?? logException;
  }

  /** Replaces the handler (undefined restores the default). */
  setHandler(handler: ExceptionHandler | undefined): void {
    this.#handler = handler ?? logException;
  }

  /** Reports `error`; if the handler itself throws, falls back to the default logger. */
  report(error: unknown, where: string, fd = -1, fn?: (...a: never[]) => unknown): void {
    this.count++;
    const name = fn?.name ? ` (${fn.name})` : '';
    const ctx: ExceptionContext = {
      message: `Exception in ${where}${fd >= 0 ? ` for fd ${fd}` : ''}${name}`,
      error,
      where,
      fd,
    };
    try {
      this.#handler(ctx);
    } catch (handlerError) {
      logException(ctx);
      logException({ ...ctx, message: 'the exception handler itself threw', error: handlerError });
    }
  }
}
