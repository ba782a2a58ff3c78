/**
 * The peers the benchmarks need, made available by the bench script itself (never by
 * `npm ci`): the C programs in bench/c/ are compiled with `cc -O2` into bench/build/ (again
 * whenever a source is newer than its binary), and the Python libraries come from Debian's
 * packages (`apt-get install -y python3-uvloop …`, after `apt-get update`), run with
 * `/usr/bin/python3` (the `python3` on PATH may be another build without Debian's packages).
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, ROOT } from './results.ts';

/** The Python interpreter of the Python peers. */
export const PYTHON = '/usr/bin/python3';

/** Debian package of each Python module the peers import. */
export const PYTHON_PACKAGES: Readonly<Record<string, string>> = {
  uvloop: 'python3-uvloop',
  tornado: 'python3-tornado',
  twisted: 'python3-twisted',
  gevent: 'python3-gevent',
};

/** apt-get may run for this long (update + install) before it is given up on. */
const APT_TIMEOUT_MS = 10 * 60_000;

let aptUpdated = false;

function canApt(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
}

/** Runs apt-get (update once first); returns null on success, else the reason. */
function aptInstall(packages: readonly string[]): string | null {
  if (!canApt()) return `not root or no apt-get: install ${packages.join(' ')} by hand`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`    installing ${packages.join(' ')} with apt-get (once; output in bench/build/apt.log) …`);
  mkdirSync(BUILD_DIR, { recursive: true });
  const log = join(BUILD_DIR, 'apt.log');
  const run = (args: string[]) =>
    spawnSync('sh', ['-c', `apt-get ${args.join(' ')} >>'${log}' 2>&1`], { env, timeout: APT_TIMEOUT_MS });
  if (!aptUpdated) {
    const u = run(['update']);
    if (u.status !== 0) return `apt-get update failed (see ${log})`;
    aptUpdated = true;
  }
  const r = run(['install', '-y', '--no-install-recommends', ...packages]);
  return r.status === 0 ? null : `apt-get install ${packages.join(' ')} failed (see ${log})`;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Returns the path of bench/build/<name>, compiling bench/c/<name>.c with `cc -O2` when the
 * binary is missing or older than its source (installing gcc first when there is no `cc`).
 * @throws Error with the compiler's message when the build fails
 */
export function ensureCProgram(name: 'loadgen' | 'echo-server' | 'uring-echo-server'): string {
  const src = join(ROOT, 'bench', 'c', `${name}.c`);
  const bin = join(BUILD_DIR, name);
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return bin;
  if (!hasCommand('cc')) {
    const why = aptInstall(['gcc', 'libc6-dev']);
    if (why !== null) throw new Error(`Cannot build ${name}: no C compiler (cc), and ${why}.`);
  }
  // The io_uring server links liburing (Debian liburing-dev 2.3).
  const uring = name === 'uring-echo-server';
  if (uring && !existsSync('/usr/include/liburing.h')) {
    const why = aptInstall(['liburing-dev']);
    if (why !== null) throw new Error(`Cannot build ${name}: no liburing.h, and ${why}.`);
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-Wall', '-std=gnu11', '-o', bin, src, ...(uring ? ['-luring'] : [])], {
      stdio: 'pipe',
    });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`Cannot build ${name}: cc -O2 failed:\n${e.stderr?.toString() ?? String(err)}`);
  }
  return bin;
}

function pythonImports(module: string): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/**
 * Makes the Python peers' modules importable by /usr/bin/python3 (installing the Debian
 * packages of the missing ones). Returns, per module, null when it imports or the reason why not.
 */
export function ensurePythonPeers(): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (!existsSync(PYTHON)) {
    for (const m of Object.keys(PYTHON_PACKAGES)) out.set(m, `${PYTHON} does not exist`);
    out.set('asyncio', `${PYTHON} does not exist`);
    return out;
  }
  out.set('asyncio', null);
  const missing = Object.keys(PYTHON_PACKAGES).filter((m) => !pythonImports(m));
  const debs = missing.map((m) => PYTHON_PACKAGES[m]).filter((d) => d !== undefined);
  const why = missing.length > 0 ? aptInstall(debs) : null;
  for (const m of Object.keys(PYTHON_PACKAGES)) {
    if (!missing.includes(m) || pythonImports(m)) out.set(m, null);
    else out.set(m, `${PYTHON} cannot import ${m} (${why ?? `${PYTHON_PACKAGES[m]} did not provide it`})`);
  }
  return out;
}
