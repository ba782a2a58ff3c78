// The layer rule (docs/design.md, "Layers"), checked mechanically: a file may import only from
// its own layer or the layers below it; only src/sys/ touches koffi; only src/compat/ may import Node's
// networking modules (and only to adapt to them).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

/** Rank of each top-level folder of src/ (a file may import ranks ≤ its own). */
const RANK: Record<string, number> = {
  sys: 0,
  selector: 1,
  completion: 1,
  loop: 2,
  net: 3,
  async: 4,
  http: 5,
  redis: 5,
  styles: 6,
  compat: 6,
  trace: 6,
  testing: 6,
  cli: 7,
};
/** Files at the top of src/: errors.ts imports nothing and serves every layer; index.ts re-exports. */
const TOP_FILES: Record<string, number> = { 'errors.ts': -1, 'index.ts': 8 };
const NODE_NET = /^(node:)?(net|dgram|http|https|tls|dns|http2)$/;

function rankOf(file: string): number {
  const rel = relative(src, file).split('/');
  const head = rel[0] ?? '';
  if (rel.length === 1) {
    const r = TOP_FILES[head];
    if (r === undefined) assert.fail(`src/${head}: a new top-level file needs a place in the layer table`);
    return r;
  }
  const r = RANK[head];
  if (r === undefined)
    assert.fail(`src/${head}/ is not in the layer table of this test (and docs/design.md)`);
  return r;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re =
    /(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined) specs.push(spec); // one of the three groups matched
  }
  return specs;
}

const files = walk(src);

test('the layer table covers every folder, and there are files to check', () => {
  assert.ok(files.length > 10);
  for (const f of files) rankOf(f);
});

test('no file imports from a higher layer', () => {
  const violations: string[] = [];
  for (const file of files) {
    const mine = rankOf(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src)) continue;
      const theirs = rankOf(target);
      const targetFolder = relative(src, target).split('/')[0];
      const sameFolder = targetFolder === relative(src, file).split('/')[0];
      // Tests beside the code (shared contract suites and a folder's test-support.ts too) may use
      // the shipped test helpers.
      const isTest = /\.(test|contract)\.ts$|\.test-worker\.mjs$|\/test-support\.ts$/.test(file);
      if (isTest && targetFolder === 'testing') continue;
      if (theirs > mine && !sameFolder)
        violations.push(`${relative(root, file)} imports ${spec} (layer ${theirs} > ${mine})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('only src/sys/ loads native code (koffi)', () => {
  const violations = files
    .filter((f) => !relative(src, f).startsWith('sys/'))
    .filter((f) => importsOf(f).some((s) => s === 'koffi' || s.endsWith('sys/binding.ts')))
    .map((f) => relative(root, f));
  assert.deepEqual(violations, []);
});

test("only src/compat/ imports Node's networking modules", () => {
  const violations = files
    .filter((f) => !relative(src, f).startsWith('compat/'))
    .flatMap((f) =>
      importsOf(f)
        .filter((s) => NODE_NET.test(s))
        .map((s) => `${relative(root, f)} imports ${s}`),
    );
  assert.deepEqual(violations, []);
});

test('the rule catches a violation (self-check on a synthetic import)', () => {
  // Guard against a regex that silently matches nothing.
  const probe = join(src, 'sys', 'fd.ts');
  assert.ok(importsOf(probe).some((s) => s.endsWith('binding.ts')));
  assert.equal(rankOf(join(src, 'loop', 'x.ts')) > rankOf(join(src, 'selector', 'x.ts')), true);
});
