#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and bench/ (the benchmarks' own statistics) with node's
// built-in test runner through tsx.
//
// Why a script (docs/design.md, "Day-one facts"): `node --test` given no files finds none
// and exits 0, and npm runs scripts under sh, whose globs do not recurse. This lists the files
// itself, fails when there are none, and sets --test-timeout so a file stuck in a blocking
// epoll_wait(-1) (where no in-test timer can fire) is killed instead of hanging CI.
//
// test/package/consumer (pack the tarball, install it into a temporary app: ~30–60 s, and needs npm)
// runs only when a filter names it: `npm run test:package`, which .ci/run calls.
//
// Usage: node scripts/run-tests.mjs [substring …]   (only files whose path contains one)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const TEST_TIMEOUT_MS = 60_000;
/** The consumer test packs and installs (~1 min idle; 5+ min seen on a busy 2-core machine). */
const ON_REQUEST_TIMEOUT_MS = 600_000;
/** Files under this folder run only when a filter starts with it. */
const ON_REQUEST = 'test/package/consumer';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = ['src', 'test', 'bench']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => walk(join(root, d), []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !f.startsWith(ON_REQUEST) || filters.some((s) => s.startsWith(ON_REQUEST)))
  .sort();
if (files.length === 0) {
  console.error(`run-tests: no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
console.log(`run-tests: ${files.length} test files`);
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-timeout=${files.some((f) => f.startsWith(ON_REQUEST)) ? ON_REQUEST_TIMEOUT_MS : TEST_TIMEOUT_MS}`,
    '--test-concurrency=2',
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
