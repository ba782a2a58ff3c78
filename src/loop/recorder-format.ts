/**
 * `loop.recorder.format()`: the flight recorder's iterations as a readable table, one line per
 * iteration, then one indented line per ready event and per callback worth naming, and the
 * watchdog's stall reports in full.
 *
 * @module
 */
import type { CallbackRecord, IterationRecord, ReadyRecord } from './recorder-types.ts';

/** Readiness bits as letters: r(eadable) w(ritable) e(rror) h(ang-up) x (invalid). */
export function readyLetters(ready: number): string {
  return (
    (ready & 1 ? 'r' : '') +
    (ready & 2 ? 'w' : '') +
    (ready & 4 ? 'e' : '') +
    (ready & 8 ? 'h' : '') +
    (ready & 16 ? 'x' : '')
  );
}

function ms(v: number): string {
  return v < 10 ? v.toFixed(3) : v < 1000 ? v.toFixed(1) : v.toFixed(0);
}

function timeout(r: IterationRecord): string {
  return `${r.timeoutMs === null ? '∞' : ms(r.timeoutMs)} (${r.timeoutReason})`;
}

function events(evs: readonly ReadyRecord[]): string {
  if (evs.length === 0) return '-';
  const shown = evs.slice(0, 4).map((e) => `${e.fd}:${readyLetters(e.ready)}`);
  return evs.length > 4 ? `${shown.join(' ')} +${evs.length - 4}` : shown.join(' ');
}

function callbacks(cbs: readonly CallbackRecord[]): string {
  if (cbs.length === 0) return '-';
  let total = 0;
  for (const c of cbs) total += c.durationMs;
  return `${cbs.length} in ${ms(total)} ms`;
}

function syscalls(r: IterationRecord): string {
  if (r.syscalls.length === 0) return '-';
  return r.syscalls
    .map((s) => (s.bytes > 0 ? `${s.kind}×${s.calls} ${s.bytes}B` : `${s.kind}×${s.calls}`))
    .join(' ');
}

/** `s` padded to `n` characters; one longer keeps a space after it (columns never run together). */
function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

/**
 * Formats iterations (oldest first). Start times are relative to the first one shown.
 * Callbacks are listed one per line when there are at most 8 in the iteration, else the 3
 * slowest; events of the waker are not listed separately.
 */
export function formatRecords(records: readonly IterationRecord[]): string {
  if (records.length === 0) return '(no iterations recorded: call loop.recorder.enable() first)';
  const t0 = records[0]!.startMs; // length > 0
  const head = `${pad('iter', 8)}${pad('start ms', 11)}${pad('timeout ms (why)', 22)}${pad('blocked', 9)}${pad('woke by', 18)}${pad('events fd:bits', 22)}${pad('callbacks', 18)}syscalls`;
  const lines = [head];
  for (const r of records) {
    lines.push(
      `${pad(String(r.iteration), 8)}${pad(`+${ms(r.startMs - t0)}`, 11)}${pad(timeout(r), 22)}${pad(ms(r.blockedMs), 9)}${pad(r.wokeBy.join(',') || '-', 18)}${pad(events(r.events), 22)}${pad(callbacks(r.callbacks), 18)}${syscalls(r)}`,
    );
    const cbs =
      r.callbacks.length <= 8
        ? r.callbacks
        : [...r.callbacks].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3);
    for (const c of cbs) {
      const owner = c.label === '' ? '' : ` — ${c.label}`;
      lines.push(`        ${pad(c.kind, 7)}${pad(ms(c.durationMs), 9)}${c.name}${owner}`);
    }
    for (const i of r.interest) {
      lines.push(
        `        interest fd ${i.fd} → ${i.interest === 0 ? 'none' : readyLetters(i.interest)} — ${i.label}`,
      );
    }
    for (const s of r.stalls) {
      const where = s.label === '' ? '' : ` (${s.label}${s.fd >= 0 ? `, fd ${s.fd}` : ''})`;
      const how =
        s.type === 'js'
          ? s.stack.length > 0
            ? `blocked the loop for ${ms(s.durationMs)} ms (stack taken at ${ms(s.blockedMs)} ms)`
            : `blocked the loop for ${ms(s.durationMs)} ms (it returned before its stack could be taken)`
          : `sat ${ms(s.durationMs)} ms in a blocking system call (no stack: it was taken after the call returned)`;
      lines.push(`        STALL ${s.kind} ${s.name}${where} ${how}`);
      // Node's own frames above the program's (performance.now, a Buffer method) say little
      const firstOwn = s.stack.findIndex((f) => !f.url.startsWith('node:'));
      for (const f of s.stack.slice(Math.max(0, firstOwn), Math.max(0, firstOwn) + 8)) {
        lines.push(`            at ${f.functionName || '(anonymous)'} ${f.url}:${f.line}:${f.column}`);
      }
    }
  }
  return lines.join('\n');
}
