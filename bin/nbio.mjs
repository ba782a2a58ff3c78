#!/usr/bin/env node
// The `nbio` command. nbio is written in TypeScript and run through tsx (no build step):
// register the loader, then hand over to src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
