/**
 * @internal A task of an OffloadPool (src/loop/offload-pool.ts) on its way in and on its way
 * back: the check and copy of what `submit` was given, and the error a worker sent, rebuilt.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.ts';
import type { ErrorData } from './offload-pool-types.ts';

/**
 * Checks what `submit` was given, in this order: the module, the export name, the arguments, the
 * callback; then copies the arguments (later changes to them do not count).
 * @returns the module as a specifier a worker can import, and the copied arguments
 * @throws InvalidArgumentError naming what is wrong
 */
export function checkTaskInput(
  modulePath: string | URL,
  exportName: string,
  args: unknown[],
  callback: unknown,
): { module: string; args: unknown[] } {
  const module = moduleSpecifier(modulePath);
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new InvalidArgumentError('Cannot submit a task without an export name: pass the function name.');
  }
  if (!Array.isArray(args)) throw new InvalidArgumentError('Cannot submit: args must be an array.');
  if (typeof callback !== 'function')
    throw new InvalidArgumentError('Cannot submit: callback is not a function.');
  try {
    return { module, args: structuredClone(args) };
  } catch (err) {
    throw new InvalidArgumentError(
      `Cannot submit ${exportName}(): its arguments cannot cross to a worker thread (${(err as Error).message}). Pass structured-cloneable data: no functions, no class instances with private state.`,
      'NBIO_INVALID_ARGUMENT',
      { cause: err },
    );
  }
}

function moduleSpecifier(p: string | URL): string {
  const text = p instanceof URL ? p.href : p;
  if (typeof text === 'string') {
    if (text.startsWith('file:') || text.startsWith('node:')) return text;
    if (isAbsolute(text)) return pathToFileURL(text).href;
  }
  throw new InvalidArgumentError(
    `Cannot submit a task from module ${JSON.stringify(text)}: pass an absolute path, a file: URL such as new URL('./tasks.ts', import.meta.url), or a node: builtin.`,
  );
}

/** Rebuilds an Error from the data a worker sent (class identity cannot cross threads). */
export function reviveError(data: ErrorData): Error {
  const err = new Error(data.message);
  Object.assign(err, data.props);
  err.name = data.name;
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}
