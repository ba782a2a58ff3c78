// Loads every entry point the installed package exports with require() (Node 20.19+, 22.12+ and 24
// load ES modules through require when they have no top-level await) and prints what each gave.
const entryMap = require('nbio/package.json').exports;
const entries = Object.keys(entryMap)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? 'nbio' : `nbio${k.slice(1)}`));
const out = {};
for (const name of entries) out[name] = Object.keys(require(name)).length;
console.log(JSON.stringify(out));
