// Loads every entry point the installed package exports with import and prints what each gave.
import { createRequire } from 'node:module';

const { exports } = createRequire(import.meta.url)('nbio/package.json');
const entries = Object.keys(exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'nbio' : `nbio${k.slice(1)}`));
const out = {};
for (const name of entries) out[name] = Object.keys(await import(name)).length;
console.log(JSON.stringify(out));
