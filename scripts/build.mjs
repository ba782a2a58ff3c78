#!/usr/bin/env node
// `npm run build` (and `prepack`): compiles the package into dist/ with plain tsc.
//
// 1. Empties dist/, so a file deleted from src/ cannot linger in a tarball.
// 2. tsc -p tsconfig.build.json, twice: once for the .d.ts and declaration maps, with every TSDoc
//    comment (what an editor shows; a reader goes from a type to the TypeScript source, which the
//    package ships), and once for the ESM JavaScript with comments removed (the comments are in
//    the shipped sources already: keeping them in the .js too was 0.3 MB unpacked and ~90 kB of
//    the tarball, which must stay under 1 MB). No .js.map: they were a quarter of the tarball
//    (735 of ~3,500 kB unpacked). Relative imports keep their `.ts` extension in the sources;
//    `rewriteRelativeImportExtensions` makes them `.js`.
// 3. Copies the plain-JavaScript worker bootstraps (src/**/*.mjs, tests' workers excluded): tsc
//    does not emit them, and a worker thread must start from a file that plain node can load.
//
// Usage: node scripts/build.mjs   (prints to stderr only)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'dist');

rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const passes = [
  ['--emitDeclarationOnly'],
  ['--removeComments', '--declaration', 'false', '--declarationMap', 'false'],
];
for (const flags of passes) {
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), ...flags], {
    cwd: root,
    stdio: ['ignore', 2, 2], // all on stderr: `npm pack --json` owns stdout
  });
  if (r.status !== 0) {
    console.error(`build: tsc ${flags.join(' ')} failed (see above); dist/ is incomplete`);
    process.exit(r.status ?? 1);
  }
}

/** Every *.mjs under `dir` that is not a test's worker. */
function workerFiles(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) workerFiles(p, out);
    else if (name.endsWith('.mjs') && !name.includes('.test')) out.push(p);
  }
  return out;
}
const copied = workerFiles(join(root, 'src'), []);
for (const file of copied) {
  const to = join(outDir, relative(root, file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
}
console.error(`build: dist/ written (tsc, plus ${copied.length} worker bootstraps)`);
