// Loads every entry point of the installed package with require() (Node 20.19+, 22.12+ and 24
// load ES modules through require when they have no top-level await) and prints what each gave.
const entries = ['nbio', 'nbio/twisted', 'nbio/tornado', 'nbio/compat'];
const out = {};
for (const name of entries) out[name] = Object.keys(require(name)).length;
console.log(JSON.stringify(out));
