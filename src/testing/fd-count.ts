/**
 * This process's open descriptors, so tests can assert that every fd opened was closed exactly
 * once: take a {@link fdSnapshot} before, and after, expect {@link fdsOpenedSince} to be empty.
 *
 * Compare sets, not counts: Node closes descriptors of its own after start (Node 24 does, a
 * few ms into a run), so a count taken before can be larger than the count after although the
 * test leaked nothing, or equal although it leaked one. A snapshot remembers each fd number
 * with what it refers to (`/proc/self/fd/<n>` → `socket:[81234]`, `pipe:[…]`, a path), so a
 * number that was closed and reused for another file counts as opened since.
 *
 * Files the runtime opens by itself, on its own schedule, are not the test's: the certificate
 * and configuration files Node's TLS reads (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`,
 * `OPENSSL_CONF`, anything under `/etc/ssl/`). A CI run once failed with
 * `descriptors left open: 31 /etc/ssl/certs/ca-certificates.crt` (the machine sets
 * `NODE_EXTRA_CA_CERTS` to that file) in a test that opens no file at all; nbio never opens them.
 *
 * @module
 */
import { readdirSync, readlinkSync } from 'node:fs';

const FD_DIR = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';

/** The descriptors open at one moment: fd number → what it refers to. */
export interface FdSnapshot {
  /** fd → the target of `/proc/self/fd/<fd>` (Linux), or `''` where the OS gives none. */
  readonly fds: ReadonlyMap<number, string>;
}

/** What `fd` refers to now, or `null` when it was closed meanwhile (or is the listing's own). */
function targetOf(fd: number): string | null {
  if (process.platform !== 'linux') return '';
  try {
    return readlinkSync(`${FD_DIR}/${fd}`);
  } catch {
    return null;
  }
}

/** The files Node's TLS reads by itself when the environment names them (module comment). */
function runtimeOwnFiles(): Set<string> {
  const env = process.env;
  const named = [env.NODE_EXTRA_CA_CERTS, env.SSL_CERT_FILE, env.OPENSSL_CONF];
  return new Set(named.filter((path): path is string => path !== undefined && path !== ''));
}

/** The descriptors open in this process now, each with what it refers to. */
export function fdSnapshot(): FdSnapshot {
  const fds = new Map<number, string>();
  for (const name of readdirSync(FD_DIR)) {
    const fd = Number(name);
    const target = targetOf(fd);
    // readdirSync's own descriptor to the directory is closed again by the time of readlink.
    if (target !== null) fds.set(fd, target);
  }
  return { fds };
}

/**
 * The descriptors open now that were not open, as the same file, when `snapshot` was taken:
 * `['17 socket:[81234]', …]`, sorted by fd; `[]` when every descriptor opened since was closed.
 * Descriptors closed since the snapshot (by the test or by Node itself) are not reported.
 *
 * @example
 * ```ts
 * const fds = fdSnapshot();
 * // … open and close sockets …
 * assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
 * ```
 */
export function fdsOpenedSince(snapshot: FdSnapshot): string[] {
  const opened: string[] = [];
  const runtimeFiles = runtimeOwnFiles();
  for (const [fd, target] of fdSnapshot().fds) {
    if (runtimeFiles.has(target) || target.startsWith('/etc/ssl/')) continue;
    if (snapshot.fds.get(fd) !== target) opened.push(`${fd} ${target}`.trimEnd());
  }
  return opened.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
}

/**
 * The number of descriptors open in this process now (/proc/self/fd, or /dev/fd on the BSDs).
 *
 * @deprecated for leak checks: compare {@link fdSnapshot} with {@link fdsOpenedSince} instead.
 * A count fails on Node 24, which closes descriptors of its own after start (module comment).
 */
export function openFdCount(): number {
  // readdirSync opens the directory itself: one extra entry, the same every time.
  return readdirSync(FD_DIR).length;
}

/** The open descriptor numbers, for a message when counts differ. */
export function openFds(): number[] {
  return readdirSync(FD_DIR)
    .map(Number)
    .sort((a, b) => a - b);
}
