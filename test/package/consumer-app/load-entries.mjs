// Loads every entry point the installed package exports with import and prints what each gave.
import { createRequire } from 'node:module';

const entryMap = createRequire(import.meta.url)('nbio/package.json').exports;
const entries = Object.keys(entryMap)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'nbio' : `nbio${k.slice(1)}`));
const out = {};
for (const name of entries) out[name] = Object.keys(await import(name)).length;
console.log(JSON.stringify(out));
