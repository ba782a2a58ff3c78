/**
 * The cost of the seeing tools in B1 echo (64 B, 50 connections, 1 in flight): the same nbio
 * echo server with the flight recorder off, on, with the watchdog, and with both, measured in
 * the same run, alternating (A B C D A B C D …), server pinned to core 0 and the C load
 * generator to core 1. Reports the median server CPU µs per round trip of each and its ratio to
 * "off". `node --import tsx bench/seeing.ts [rounds] [durationMs]`; writes
 * bench/results/seeing.json.
 *
 * @module
 */
import { runLoadgen } from './lib/loadgen.ts';
import { ensureCProgram } from './lib/peers.ts';
import { writeResults } from './lib/results.ts';
import { freePort, killAllChildren, type RunningServer, startServer } from './lib/server-process.ts';

const TOOLS = ['off', 'recorder', 'watchdog', 'both'] as const;
const rounds = Number(process.argv[2] ?? 5);
const durationMs = Number(process.argv[3] ?? 1500);

ensureCProgram('loadgen');
const servers = new Map<string, RunningServer>();
try {
  for (const tools of TOOLS) {
    const port = await freePort();
    const started = await startServer(
      {
        cmd: process.execPath,
        args: [
          '--import',
          'tsx',
          'bench/servers/nbio-echo-seeing.ts',
          '--tools',
          tools,
          '--port',
          String(port),
        ],
      },
      port,
      0,
    );
    if (!started.ok) throw new Error(`${tools}: ${started.reason}`);
    servers.set(tools, started.server);
  }
  const runs = new Map<string, { cpuUsPerRt: number; rtPerSec: number }[]>();
  for (let round = 0; round <= rounds; round++) {
    for (const tools of TOOLS) {
      const srv = servers.get(tools)!;
      const r = await runLoadgen({
        port: srv.port,
        conns: 50,
        inflight: 1,
        msgBytes: 64,
        warmupMs: 300,
        durationMs,
        maxMsgs: 5_000_000,
        serverPid: srv.pid,
      });
      if (round === 0) continue; // warm-up round
      const cpuUsPerRt = ((r.serverCpuSec ?? Number.NaN) * 1e6) / r.roundTrips;
      const list = runs.get(tools) ?? [];
      list.push({ cpuUsPerRt, rtPerSec: r.rtPerSec });
      runs.set(tools, list);
      process.stderr.write(
        `round ${round} ${tools}: ${cpuUsPerRt.toFixed(2)} µs CPU/rt, ${Math.round(r.rtPerSec)} rt/s\n`,
      );
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  const off = median((runs.get('off') ?? []).map((r) => r.cpuUsPerRt));
  const rows = TOOLS.map((tools) => {
    const rs = runs.get(tools) ?? [];
    const cpu = rs.map((r) => r.cpuUsPerRt);
    return {
      tools,
      serverCpuUsPerRt: median(cpu),
      min: Math.min(...cpu),
      max: Math.max(...cpu),
      rtPerSec: median(rs.map((r) => r.rtPerSec)),
      ratioToOff: median(cpu) / off,
    };
  });
  const md = [
    `B1 echo, 64 B, 50 connections, 1 in flight; ${rounds} rounds of ${durationMs} ms, alternating; shared machine.`,
    '',
    '| tools | server CPU µs/round trip (median, min–max) | × off | round trips/s |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.tools} | ${r.serverCpuUsPerRt.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}) | ${r.ratioToOff.toFixed(3)} | ${Math.round(r.rtPerSec)} |`,
    ),
  ].join('\n');
  console.log(md);
  writeResults('seeing', { rounds, durationMs, shape: '64 B, 50 connections, 1 in flight', rows }, `${md}\n`);
} finally {
  for (const s of servers.values()) await s.stop();
  killAllChildren();
}
