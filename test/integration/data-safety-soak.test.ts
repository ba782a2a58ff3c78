// Issue 9's soak at reduced counts, on every backend (full counts: `npm run soak`, bench/soak.ts):
// connect/echo/close cycles leave the server's descriptors and live heap flat; a client that
// reads nothing for a while gets every byte back in order while the server's RSS stays
// bounded; SIGTERM under load exits 0. The server is `nbio echo` in a child process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  connectCycles,
  type EchoChild,
  HEAP_GROWTH_MAX_KB,
  RSS_GROWTH_MAX_KB,
  SIGTERM_EXIT_MAX_MS,
  sigtermUnderLoad,
  slowReader,
  startEchoServer,
} from '../../bench/lib/soak-scenarios.ts';
import { availableBackends } from '../../src/selector/default-selector.ts';

const skip = process.platform !== 'linux' && 'reads the server’s descriptors and RSS from /proc (Linux)';

// One server per backend, started together (each takes ~2 s to start: tsx compiles).
const servers = new Map<string, Promise<EchoChild>>();
before(() => {
  if (skip) return;
  for (const backend of availableBackends()) servers.set(backend, startEchoServer(backend));
});
after(async () => {
  for (const s of servers.values()) await (await s).stop('SIGKILL');
});

for (const backend of availableBackends()) {
  describe(`soak, reduced (${backend})`, { skip }, () => {
    let server: EchoChild | null = null;
    before(async () => {
      server = (await servers.get(backend)) ?? null;
    });

    test('500 connect/echo/close cycles: descriptors and live heap flat', async () => {
      const c = await connectCycles(server!, 500, 16, 100);
      // ≤: a connection of the warm-up may still have been closing when the baseline was taken.
      assert.ok(
        c.fdsAfter <= c.fdsBefore,
        `the server closed every connection (${c.fdsBefore} → ${c.fdsAfter})`,
      );
      assert.ok(
        c.heapAfterKb - c.heapBeforeKb < HEAP_GROWTH_MAX_KB,
        `live heap ${c.heapBeforeKb} → ${c.heapAfterKb} KiB`,
      );
    });

    // Found by this test on io_uring: the peer's EOF arrived behind bytes held while reading was
    // paused, and the echo closed before sending them (fixed in uring-transport.ts).
    test('4 MiB to a client that reads nothing for 300 ms: every byte back in order, RSS bounded', async () => {
      const r = await slowReader(server!, 4 * 1024 * 1024, 300);
      assert.equal(r.bytesBack, r.bytesSent);
      assert.equal(r.firstMismatch, -1, 'in order, unchanged');
      assert.ok(
        r.rssPeakKb - r.rssBeforeKb < RSS_GROWTH_MAX_KB,
        `RSS peak +${r.rssPeakKb - r.rssBeforeKb} KiB`,
      );
    });

    test('SIGTERM while 8 clients stream: exit code 0', async () => {
      const s = await sigtermUnderLoad(server!, 8, 300);
      assert.ok(s.bytesEchoed > 0, 'there was load');
      assert.equal(s.exitCode, 0);
      assert.ok(s.exitMs < SIGTERM_EXIT_MAX_MS, `exited after ${Math.round(s.exitMs)} ms`);
    });
  });
}
