/**
 * getrlimit(2)/setrlimit(2) for RLIMIT_NOFILE: how many descriptors this process may open.
 * `struct rlimit` is two 64-bit values (rlim_cur, rlim_max) on every platform nbio supports.
 *
 * @module
 */
import { lastErrno, libc } from './binding.ts';
import { sys } from './constants.ts';
import { OsError } from './errno.ts';

const c = {
  getrlimit: libc.func('int getrlimit(int resource, void *rlim)'),
  setrlimit: libc.func('int setrlimit(int resource, const void *rlim)'),
};

/** A soft and hard limit. `Infinity` stands for RLIM_INFINITY. */
export interface Limit {
  soft: number;
  hard: number;
}

const INF = 0xffffffffffffffffn;
const toNum = (v: bigint): number => (v === INF ? Number.POSITIVE_INFINITY : Number(v));
const toBig = (v: number): bigint => (v === Number.POSITIVE_INFINITY ? INF : BigInt(v));

/** getrlimit(RLIMIT_NOFILE). */
export function getNoFileLimit(): Limit {
  const r = new BigUint64Array(2);
  if (c.getrlimit(sys.RLIMIT_NOFILE, r) !== 0) throw new OsError('getrlimit', lastErrno());
  return { soft: toNum(r[0]!), hard: toNum(r[1]!) }; // a BigUint64Array(2)
}

/** setrlimit(RLIMIT_NOFILE). Raising the hard limit needs privilege. */
export function setNoFileLimit(limit: Limit): void {
  const r = new BigUint64Array([toBig(limit.soft), toBig(limit.hard)]);
  if (c.setrlimit(sys.RLIMIT_NOFILE, r) !== 0) throw new OsError('setrlimit', lastErrno());
}
