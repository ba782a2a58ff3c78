/**
 * `npm run soak [-- --backend <name>] [--cycles n] [--mib n] [--pause-ms n]`: issue 9's soak at
 * full counts, on every backend this machine has (or the one named), against `nbio echo` in a
 * child process (bench/soak-server.ts) with Node `net` clients (bench/lib/soak-scenarios.ts):
 *
 * 1. 20,000 connect/echo/close cycles: the server's descriptor count returns exactly to its
 *    baseline, and its live heap after a full GC grows by less than {@link HEAP_GROWTH_MAX_KB};
 * 2. 200 MiB through a client that reads nothing for 10 s: every byte back in order, the
 *    server's RSS never more than {@link RSS_GROWTH_MAX_KB} above where it started;
 * 3. SIGTERM while 32 clients stream: the server exits 0 within {@link SIGTERM_EXIT_MAX_MS}.
 *
 * The same three run, in the same run, against the same echo server on Node's `net`
 * (bench/soak-peer-server.mjs, shown as `node`), and the cycle rates are given as ratios to it
 * (`--no-peer` skips it). The checks are pass/fail; the rates are measurements (a shared machine
 * makes them noisy: compare within one run only).
 *
 * Prints one line per check and exits 1 if any failed. Linux only (/proc). The same checks run
 * in `npm test` at reduced counts (test/integration/data-safety-soak.test.ts).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { availableBackends } from '../src/selector/default-selector.ts';
import {
  connectCycles,
  HEAP_GROWTH_MAX_KB,
  RSS_GROWTH_MAX_KB,
  SIGTERM_EXIT_MAX_MS,
  sigtermUnderLoad,
  slowReader,
  startEchoServer,
} from './lib/soak-scenarios.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    cycles: { type: 'string', default: '20000' },
    mib: { type: 'string', default: '200' },
    'pause-ms': { type: 'string', default: '10000' },
    'no-peer': { type: 'boolean', default: false },
  },
});
const cycles = Number(values.cycles);
const bytes = Number(values.mib) * 1024 * 1024;
const pauseMs = Number(values['pause-ms']);
const backends = values.backend !== undefined ? [values.backend] : availableBackends();
if (!values['no-peer']) backends.push('node');
const cyclesPerSecond = new Map<string, number>();

let failed = 0;
function check(ok: boolean, line: string): void {
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
}

console.log(
  `nbio soak: ${backends.join(', ')}; ${cycles} cycles, ${values.mib} MiB with a ${pauseMs} ms pause`,
);
for (const backend of backends) {
  const server = await startEchoServer(backend);
  try {
    const c = await connectCycles(server, cycles);
    cyclesPerSecond.set(backend, c.cycles / (c.elapsedMs / 1000));
    check(
      c.fdsAfter <= c.fdsBefore && c.heapAfterKb - c.heapBeforeKb < HEAP_GROWTH_MAX_KB,
      `${backend}: ${c.cycles} cycles in ${(c.elapsedMs / 1000).toFixed(1)} s; fds ${c.fdsBefore} → ${c.fdsAfter}; heap after GC ${c.heapBeforeKb} → ${c.heapAfterKb} KiB; RSS ${c.rssBeforeKb} → ${c.rssAfterKb} KiB`,
    );
    const r = await slowReader(server, bytes, pauseMs);
    check(
      r.bytesBack === r.bytesSent && r.firstMismatch < 0 && r.rssPeakKb - r.rssBeforeKb < RSS_GROWTH_MAX_KB,
      `${backend}: ${r.bytesBack} of ${r.bytesSent} bytes back${r.firstMismatch < 0 ? ' in order' : `, first wrong byte at ${r.firstMismatch}`} in ${(r.elapsedMs / 1000).toFixed(1)} s (reader paused ${r.pausedMs} ms); RSS ${r.rssBeforeKb} KiB, peak +${r.rssPeakKb - r.rssBeforeKb} KiB`,
    );
  } finally {
    const s = await sigtermUnderLoad(server, 32, 1000);
    check(
      s.exitCode === 0 && s.exitMs < SIGTERM_EXIT_MAX_MS && s.bytesEchoed > 0,
      `${backend}: SIGTERM under load (${s.bytesEchoed} bytes echoed first): exit ${s.exitCode} after ${Math.round(s.exitMs)} ms`,
    );
  }
}
const peerRate = cyclesPerSecond.get('node');
if (peerRate !== undefined) {
  for (const [backend, rate] of cyclesPerSecond) {
    if (backend !== 'node')
      console.log(
        `cycles/s ${backend}: ${Math.round(rate)} = ${(rate / peerRate).toFixed(2)} × node net (${Math.round(peerRate)})`,
      );
  }
}
process.exitCode = failed > 0 ? 1 : 0;
