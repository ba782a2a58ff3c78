// The package's entry points are listed in three places that must agree: package.json `exports`
// (what an installed package resolves), tsconfig.json `paths` (what `import 'nbio/…'` resolves
// to in this repository: the sources) and typedoc.json `entryPoints` (the API reference).
// Adding an entry is one line in each; this test says which one was forgotten.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const json = <T>(name: string): T => JSON.parse(readFileSync(join(ROOT, name), 'utf8')) as T;

const manifest = json<{ exports: Record<string, string | { types: string; default: string }> }>(
  'package.json',
);
const tsconfig = json<{ compilerOptions: { paths: Record<string, string[]> } }>('tsconfig.json');
const typedoc = json<{ entryPoints: string[] }>('typedoc.json');

/** `./twisted` → `{ specifier: 'nbio/twisted', source: './src/styles/twisted/index.ts' }`. */
const entries = Object.entries(manifest.exports)
  .filter(([key]) => key !== './package.json')
  .map(([key, target]) => {
    assert.equal(typeof target, 'object', `exports["${key}"] maps types + default`);
    const { types, default: js } = target as { types: string; default: string };
    assert.match(js, /^\.\/dist\/src\/.+\.js$/, `exports["${key}"].default is compiled JavaScript in dist/`);
    assert.equal(types, js.replace(/\.js$/, '.d.ts'), `exports["${key}"].types sits beside its default`);
    const source = js.replace(/^\.\/dist\//, './').replace(/\.js$/, '.ts');
    return { specifier: key === '.' ? 'nbio' : `nbio${key.slice(1)}`, source };
  });

test('every entry point compiles from a source file that exists', () => {
  assert.ok(entries.length >= 4);
  for (const e of entries) assert.ok(existsSync(join(ROOT, e.source)), `${e.specifier}: ${e.source} exists`);
});

test('tsconfig.json paths map every entry to its source, and nothing else', () => {
  const expected = Object.fromEntries(entries.map((e) => [e.specifier, [e.source]]));
  assert.deepEqual(tsconfig.compilerOptions.paths, expected);
});

test('typedoc.json documents every entry point', () => {
  assert.deepEqual([...typedoc.entryPoints].sort(), entries.map((e) => e.source.slice(2)).sort());
});

test('package.json names no TypeScript source as something to run', () => {
  assert.doesNotMatch(readFileSync(join(ROOT, 'package.json'), 'utf8'), /"\.\/src\/[^"]*\.ts"/);
});
