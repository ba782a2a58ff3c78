/**
 * Why the flight recorder costs more per iteration inside the loop than its hooks in a tight
 * loop: the same hook calls of one 1-pair seeing-paired iteration (a wait with 2 ready events,
 * 2 reader callbacks, the iteration's end), timed alone and with real system calls between
 * them where the loop makes its own (5 per iteration: `recv` on an empty socket pair, EAGAIN,
 * standing in for one `epoll_wait` and a `recv` and a `send` per callback). Each variant is
 * paired with the same loop without the hooks, in alternating blocks; the medians of the
 * differences are the hooks' cost in ns per iteration. System calls are counted while the
 * recorder records, as in the loop.
 *
 * `node --import tsx bench/recorder-hooks.ts [blocks]` prints one JSON line.
 *
 * @module
 */
import { LoopRecorder } from '../src/loop/recorder.ts';
import type { Labelled } from '../src/loop/recorder-types.ts';
import type { ReadyEvent } from '../src/selector/selector.ts';
import { close } from '../src/sys/fd.ts';
import { recv, socketpair } from '../src/sys/socket.ts';

const blocks = Number(process.argv[2] ?? 400);
const ITERATIONS = 300;
const rec = new LoopRecorder({ wakerFd: -1, probesChanged() {} });
rec.enable(1000);
const owner: Labelled = { label: 'transport' };
const events = [
  { fd: 5, ready: 1, token: { owner } },
  { fd: 6, ready: 1, token: { owner } },
] as unknown as ReadyEvent<{ owner: Labelled }>[];
function server(): void {}
function client(): void {}
const [a, b] = socketpair();
const buf = new Uint8Array(64);
let iteration = 0;

function once(hooks: boolean, syscalls: boolean): void {
  if (hooks) rec.beginIteration(0, 'ready', null);
  if (syscalls) recv(a, buf);
  if (hooks) rec.afterPoll(events, performance.now(), 0);
  if (hooks) rec.begin('reader', 5, server, owner);
  if (syscalls) recv(a, buf) + recv(a, buf);
  if (hooks) rec.end();
  if (hooks) rec.begin('reader', 6, client, owner);
  if (syscalls) recv(a, buf) + recv(a, buf);
  if (hooks) rec.end();
  if (hooks) rec.endIteration(++iteration, 0, 0, 2, 0);
}

function block(hooks: boolean, syscalls: boolean): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) once(hooks, syscalls);
  return Number(process.hrtime.bigint() - t0) / ITERATIONS;
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1] ?? Number.NaN;
try {
  for (let k = 0; k < 100; k++)
    block(true, true) + block(false, true) + block(true, false) + block(false, false);
  const alone: number[] = [];
  const between: number[] = [];
  for (let k = 0; k < blocks; k++) {
    alone.push(block(true, false) - block(false, false));
    between.push(block(true, true) - block(false, true));
  }
  console.log(
    JSON.stringify({
      hooksAloneNsPerIteration: Math.round(median(alone)),
      hooksBetweenSyscallsNsPerIteration: Math.round(median(between)),
    }),
  );
} finally {
  rec.disable();
  close(a);
  close(b);
}
