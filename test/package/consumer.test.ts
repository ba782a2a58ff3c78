// The package as a user installs it: `npm pack` (which builds dist/ through `prepack`), install
// the tarball into an empty app in a temporary folder, and there, with plain node and no tsx:
// import and require() every entry point, type-check a strict TypeScript consumer with
// TypeScript 5.9 and 7 (skipLibCheck off), run it (an echo round trip on loopback), and run
// `npx nbio --help` and `npx nbio demo`.
//
// Not part of the default `npm test` (scripts/run-tests.mjs runs this file only when asked:
// `npm run test:package`): packing and installing takes ~30–60 s. .ci/run runs it.
// Installing needs koffi, TypeScript and @types/node from the npm registry or npm's cache
// (`--prefer-offline`: after `npm ci` and one run, nothing is downloaded).
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURE = new URL('./consumer-app/', import.meta.url).pathname;
/** TypeScript 7 (the native port), pinned: update it deliberately. */
const TYPESCRIPT_7 = '7.0.2';
/** The tarball limit the issue sets (bytes). */
const MAX_TARBALL_BYTES = 1_000_000;
const STEP_TIMEOUT_MS = 240_000;

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  exports: Record<string, unknown>;
};
const devDependencies = manifest.devDependencies;
/** Every entry point: `nbio`, `nbio/twisted` … (what the load-entries scripts find and load). */
const ENTRIES = Object.keys(manifest.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'nbio' : `nbio${k.slice(1)}`));

let work = '';
let app = '';
let tarball = '';

/** Runs a command; fails the test with its output when it exits non-zero. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs = STEP_TIMEOUT_MS,
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(' ')} exited with ${r.status} (${r.signal ?? 'no signal'})\n${r.stdout}\n${r.stderr}`,
  );
  return r;
}

before(
  () => {
    work = mkdtempSync(join(tmpdir(), 'nbio-consumer-'));
    const packed = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    const info = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = join(work, info[0].filename);
    app = join(work, 'app');
    cpSync(FIXTURE, app, { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
        `typescript@${devDependencies.typescript}`,
        `typescript7@npm:typescript@${TYPESCRIPT_7}`,
        `@types/node@${devDependencies['@types/node']}`,
      ],
      app,
    );
  },
  { timeout: 4 * STEP_TIMEOUT_MS },
);

after(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

test('the tarball holds dist/, sources without tests, docs, README and LICENSE, and is under 1 MB', () => {
  const files = run('tar', ['tzf', tarball], work).stdout.trim().split('\n');
  assert.ok(files.includes('package/LICENSE'), 'LICENSE is packed');
  assert.ok(files.includes('package/README.md'), 'README is packed');
  assert.ok(files.includes('package/dist/src/index.js') && files.includes('package/dist/src/index.d.ts'));
  assert.ok(files.includes('package/dist/src/index.d.ts.map'), 'declaration maps are packed');
  assert.ok(files.includes('package/src/index.ts'), 'the sources the declaration maps point at');
  assert.ok(files.includes('package/dist/src/loop/offload-worker.mjs'), 'the worker bootstrap is packed');
  const unwanted = files.filter((f) =>
    /\.test\.ts$|\.test-worker\.mjs$|test-support\.ts$|\.contract\.ts$|^package\/(test|bench|\.ci|scripts|examples)\/|\.png$|\.svg$|tsconfig/.test(
      f,
    ),
  );
  assert.deepEqual(unwanted, [], 'no tests, bench, CI files, scripts, screenshots or plots');
  const top = [...new Set(files.map((f) => f.split('/')[1]))].sort();
  assert.deepEqual(top, ['LICENSE', 'README.md', 'bin', 'dist', 'docs', 'package.json', 'src']);
  const bytes = readFileSync(tarball).length;
  assert.ok(bytes < MAX_TARBALL_BYTES, `the tarball is ${bytes} bytes`);
});

test('no TypeScript loader is installed beside the package', () => {
  assert.equal(existsSync(join(app, 'node_modules', 'tsx')), false);
});

test('import and require() load every entry point with plain node', () => {
  for (const script of ['load-entries.mjs', 'load-entries.cjs']) {
    const counts = JSON.parse(run(process.execPath, [script], app).stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(counts), ENTRIES, script);
    for (const [entry, n] of Object.entries(counts))
      assert.ok(n >= 4, `${script}: ${entry} exports ${n} names`);
  }
});

test('a strict consumer type-checks with TypeScript 7 (skipLibCheck off)', () => {
  const tsc = join(app, 'node_modules', 'typescript7', 'bin', 'tsc');
  assert.match(run(process.execPath, [tsc, '--version'], app).stdout, new RegExp(`Version ${TYPESCRIPT_7}`));
  run(process.execPath, [tsc, '-p', '.', '--noEmit'], app);
});

test('a strict consumer type-checks with TypeScript 5.9, compiles, and echoes through nbio', () => {
  const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', '.'], app);
  const out = JSON.parse(run(process.execPath, ['out/echo.js'], app, 30_000).stdout) as {
    line: string;
    backend: string;
    types: string[];
  };
  assert.equal(out.line, 'hello from a consumer\n');
  assert.deepEqual(out.types, ['function', 'function', 'function', 'undefined']);
});

test('npx nbio --help and npx nbio demo run the compiled CLI', () => {
  assert.match(run('npx', ['--no-install', 'nbio', '--help'], app).stdout, /usage: nbio/);
  const demo = run('npx', ['--no-install', 'nbio', 'demo'], app, 60_000);
  for (const backend of ['select', 'poll', 'epoll'])
    assert.match(demo.stdout, new RegExp(`^${backend}\\b`, 'm'));
});

/** Other node binaries to run the installed package with (.ci/run passes Node 22 and 24). */
const EXTRA_NODES = (process.env.NBIO_EXTRA_NODES ?? '').split(':').filter((p) => p !== '');

test(
  'the same entries and the compiled consumer run on the other Node versions',
  {
    skip: EXTRA_NODES.length === 0 && 'NBIO_EXTRA_NODES names no other node binary (.ci/run sets it)',
  },
  () => {
    for (const node of EXTRA_NODES) {
      const version = run(node, ['--version'], app).stdout.trim();
      for (const script of ['load-entries.mjs', 'load-entries.cjs']) {
        const counts = JSON.parse(run(node, [script], app).stdout) as Record<string, number>;
        assert.deepEqual(Object.keys(counts), ENTRIES, `${version} ${script}`);
      }
      const out = JSON.parse(run(node, ['out/echo.js'], app, 30_000).stdout) as { line: string };
      assert.equal(out.line, 'hello from a consumer\n', version);
    }
  },
);
