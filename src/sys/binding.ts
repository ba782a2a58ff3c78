/**
 * The one place nbio loads native code: koffi, and the C library through it.
 *
 * Everything in `src/sys/` imports `libc` and `koffi` from here; nothing outside `src/sys/`
 * may import this file (the layer test enforces it). Pointers into JS buffers that koffi
 * passes are valid only for the duration of a call, which is all the syscalls here need.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';

const require = createRequire(import.meta.url);

/** The koffi module (loaded through `require`, which works the same on Node 20, 22 and 24). */
export const koffi: typeof KoffiModule = require('koffi');

/** Operating systems nbio has constant tables for. */
export type OsName = 'linux' | 'darwin' | 'freebsd';

/** The platform this process runs on, as nbio's tables name it. */
export const osName: OsName = (() => {
  const p = process.platform;
  if (p === 'linux' || p === 'darwin' || p === 'freebsd') return p;
  throw new Error(`nbio supports Linux, macOS and FreeBSD; this is '${p}'. Use Node's own net module here.`);
})();

/** The CPU architecture, as Node names it (`x64`, `arm64`, …). */
export const arch: string = process.arch;

function libcPath(): string {
  switch (osName) {
    case 'linux':
      return 'libc.so.6';
    case 'darwin':
      return '/usr/lib/libSystem.B.dylib';
    case 'freebsd':
      return 'libc.so.7';
  }
}

/** The C library, loaded once. */
export const libc: KoffiModule.LibraryHandle = koffi.load(libcPath());

/**
 * Loads another shared library by path (used for a userspace kqueue, see
 * `NBIO_KQUEUE_LIBRARY`). Throws koffi's error when the library cannot be loaded.
 */
export function loadLibrary(path: string): KoffiModule.LibraryHandle {
  return koffi.load(path);
}

/** The `errno` the last koffi call left. Read it immediately after the call. */
export function lastErrno(): number {
  return koffi.errno();
}
