#!/usr/bin/env node
// The `nbio` command. Plain JavaScript, so that it starts with plain node.
//
// - In an installed package (no tsconfig.json beside src/): runs the compiled dist/.
// - In a checkout of the repository (tsconfig.json and src/ present): runs the TypeScript
//   sources through tsx, so `npm start` and the tests need no build and never see a stale dist/.
//   NBIO_DIST=1 runs dist/ there too (after `npm run build`), as an installed package would.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const checkout = existsSync(new URL('tsconfig.json', root)) && existsSync(new URL('src/cli/main.ts', root));
const built = new URL('dist/src/cli/main.js', root);

async function loadMain() {
  if (checkout && process.env.NBIO_DIST !== '1') {
    const { register } = await import('tsx/esm/api');
    // The repository's tsconfig maps `nbio` to src/ (its `paths`), whatever the cwd.
    register({ tsconfig: fileURLToPath(new URL('tsconfig.json', root)) });
    return import('../src/cli/main.ts');
  }
  if (!existsSync(built)) {
    console.error(`nbio: ${fileURLToPath(built)} is missing. Run \`npm run build\` first.`);
    process.exit(1);
  }
  return import(built.href);
}

const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));
