/**
 * The server of the soak (bench/lib/soak-scenarios.ts): `nbio echo` (src/cli/echo.ts) with
 * the same arguments, plus one probe: on SIGUSR2 it runs a full garbage collection and prints
 * `memory {"heapUsedKb":…,"rssKb":…}` on stdout, so a soak can tell a leak (live heap grows)
 * from the allocator's slack (RSS rises, then plateaus). Start it with `node --expose-gc`.
 *
 * @module
 */
import { echo } from '../src/cli/echo.ts';

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const m = process.memoryUsage();
  process.stdout.write(
    `memory ${JSON.stringify({ heapUsedKb: Math.round(m.heapUsed / 1024), rssKb: Math.round(m.rss / 1024), gc: gc !== undefined })}\n`,
  );
});

process.exitCode = await echo(process.argv.slice(2));
