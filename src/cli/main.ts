/**
 * The `nbio` command: `tour` (what `npm start` runs), `demo`, `echo`, `rosetta`, `help`.
 *
 * @module
 */
import { demo } from './demo.ts';
import { echo } from './echo.ts';
import { race } from './race.ts';
import { http } from './http.ts';
import { rosetta } from './rosetta.ts';
import { tour } from './tour/tour.ts';
import { trace } from './trace.ts';

const USAGE = `usage: nbio <command>

commands:
  tour      the talk's questions on loopback: blocking vs threads vs select/poll/epoll
  demo      echo server + clients on loopback, once per backend, with per-backend loop stats
  echo      --backend <select|poll|epoll|kqueue> --port <n> [--host h | --path p]: an echo server
  http      --port <n> [--host h] [--backend b]: GET / → hello world, POST/PUT /echo → the body back
  rosetta   [--backend b] [--rounds n] [--style s,…]: one chat server in six styles, measured side by side
  trace     [--out trace.json] [--svg timeline.svg] -- <script> [args]: run a program with NBIO_TRACE set; a Chrome trace
  race      [--idle 0,1000,5000,9500] [--active 1,100] [--backends b,…] [--out dir]: every backend, one workload, a table and a plot
  help      this text`;

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd = 'help'] = argv;
  try {
    return await run(cmd, argv);
  } catch (err) {
    // Typed errors carry a message that says what to do: print it, not a stack.
    const e = err as { code?: string; message?: string };
    if (typeof e.code === 'string') {
      console.error(`nbio ${cmd}: ${e.message} [${e.code}]`);
      return 1;
    }
    throw err;
  }
}

async function run(cmd: string, argv: string[]): Promise<number> {
  switch (cmd) {
    case 'demo':
      return demo();
    case 'echo':
      return echo(argv.slice(1));
    case 'http':
      return http(argv.slice(1));
    case 'rosetta':
      return rosetta(argv.slice(1));
    case 'trace':
      return trace(argv.slice(1));
    case 'race':
      return race(argv.slice(1));
    case 'tour':
      await tour();
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`nbio: unknown command '${cmd}'.\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
