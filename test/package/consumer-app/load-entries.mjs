// Loads every entry point of the installed package with import and prints what each gave.
const entries = ['nbio', 'nbio/twisted', 'nbio/tornado', 'nbio/compat'];
const out = {};
for (const name of entries) out[name] = Object.keys(await import(name)).length;
console.log(JSON.stringify(out));
