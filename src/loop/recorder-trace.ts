/**
 * Trace export: the flight recorder's iterations as Chrome trace-event JSON (the format that
 * Perfetto and chrome://tracing open; "Trace Event Format", JSON array form).
 *
 * - each loop has two tracks (threads) in one process: `nbio loop N (backend, mode)` carries
 *   iterations as complete (`X`) slices with their callbacks nested inside; `kernel wait N` carries
 *   the selector waits;
 * - readiness events, timers fired and watchdog stalls are instants (`i`) on the loop track;
 * - counters (`C`): ready queue, timers pending, readers, writers, and every recorder gauge (the
 *   servers' open connections and bytes buffered).
 *
 * `NBIO_TRACE=trace.json node app.js` turns it on for every loop the program makes (the loop
 * reads the variable at construction); the file is written as iterations complete and closed on
 * exit. `traceToFile(loop, path)` does the same for one loop from code.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { EventLoop } from './event-loop.ts';
import { readyLetters } from './recorder-format.ts';
import type { IterationRecord } from './recorder-types.ts';

/** One trace event (the fields this exporter uses). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'i' | 'C' | 'M';
  /** Microseconds. */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

const us = (ms: number): number => Math.round(ms * 1000);

/** Tracks of one loop: `tid` carries iterations and callbacks, `tid + 1` the kernel waits. */
export function trackEvents(pid: number, tid: number, title: string): TraceEvent[] {
  return [
    { name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: title } },
    { name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid, args: { sort_index: tid } },
    { name: 'thread_name', ph: 'M', ts: 0, pid, tid: tid + 1, args: { name: `${title}: kernel wait` } },
    { name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: tid + 1, args: { sort_index: tid + 1 } },
  ];
}

/**
 * The events of one iteration, in timestamp order; callbacks are clamped inside their iteration
 * so slices nest even after rounding to microseconds.
 */
export function iterationEvents(
  r: IterationRecord,
  pid: number,
  tid: number,
  waitName: string,
): TraceEvent[] {
  const start = us(r.startMs);
  const end = Math.max(start, us(r.startMs + r.durationMs));
  const woke = start + Math.min(us(r.blockedMs), end - start);
  const out: TraceEvent[] = [
    {
      name: `iteration ${r.iteration}`,
      ph: 'X',
      ts: start,
      dur: end - start,
      pid,
      tid,
      args: {
        timeoutMs: r.timeoutMs,
        timeoutReason: r.timeoutReason,
        wokeBy: r.wokeBy.join(','),
        events: r.events.length,
        callbacks: r.callbacks.length,
        syscalls: Object.fromEntries(
          r.syscalls.map((s) => [s.kind, s.bytes > 0 ? `${s.calls} (${s.bytes} B)` : s.calls]),
        ),
      },
    },
  ];
  // Every wait is drawn; a zero-timeout one (each guest-mode iteration: libuv did the blocking)
  // as a slice of 0 µs, since the recorder does not time a wait that cannot block.
  out.push({
    name: waitName,
    ph: 'X',
    ts: start,
    dur: woke - start,
    pid,
    tid: tid + 1,
    args: { timeoutMs: r.timeoutMs, reason: r.timeoutReason },
  });
  for (const e of r.events) {
    out.push({
      name: `fd ${e.fd} ${readyLetters(e.ready)} — ${e.label}`,
      ph: 'i',
      s: 't',
      ts: woke,
      pid,
      tid,
    });
  }
  if (r.timersFired > 0)
    out.push({ name: `timers due ×${r.timersFired}`, ph: 'i', s: 't', ts: woke, pid, tid });
  let last = woke;
  for (const c of r.callbacks) {
    const cs = Math.min(Math.max(us(c.startMs), last), end);
    const ce = Math.min(Math.max(cs, us(c.startMs + c.durationMs)), end);
    last = ce;
    out.push({
      name: c.label === '' ? `${c.kind} ${c.name}` : `${c.kind} ${c.name} — ${c.label}`,
      ph: 'X',
      ts: cs,
      dur: ce - cs,
      pid,
      tid,
      args: { fd: c.fd },
    });
  }
  for (const s of r.stalls) {
    out.push({
      name: `STALL ${s.kind} ${s.name} ${Math.round(s.durationMs)} ms`,
      ph: 'i',
      s: 't',
      ts: last,
      pid,
      tid,
      args: { type: s.type, label: s.label, fd: s.fd, blockedMs: s.blockedMs, stack: s.stack },
    });
  }
  const c = r.counters;
  out.push({
    name: 'loop',
    ph: 'C',
    ts: end,
    pid,
    tid,
    args: { ready: c.ready, timersPending: c.timersPending, readers: c.readers, writers: c.writers },
  });
  for (const [name, value] of Object.entries(c.gauges)) {
    out.push({ name, ph: 'C', ts: end, pid, tid, args: { value } });
  }
  return out;
}

const WAIT_NAME: Record<string, string> = {
  epoll: 'epoll_wait',
  poll: 'poll',
  select: 'select',
  kqueue: 'kevent',
};

/** One trace file shared by every loop of the process (see {@link traceToFile}). */
class TraceFile {
  readonly #fd: number;
  #pending: string[] = [];
  #pendingChars = 0;
  #first = true;
  #closed = false;
  #loops = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, '[\n');
    process.on('exit', () => this.close());
  }

  nextTid(): number {
    return 1 + 2 * this.#loops++;
  }

  add(events: readonly TraceEvent[]): void {
    if (this.#closed) return;
    for (const e of events) {
      const s = (this.#first ? '' : ',\n') + JSON.stringify(e);
      this.#first = false;
      this.#pending.push(s);
      this.#pendingChars += s.length;
    }
    if (this.#pendingChars > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0 || this.#closed) return;
    writeSync(this.#fd, this.#pending.join(''));
    this.#pending = [];
    this.#pendingChars = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    writeSync(this.#fd, '\n]\n');
    closeSync(this.#fd);
  }
}

const files = new Map<string, TraceFile>();

/**
 * Closes the trace file at `path` now (what the exit hook does): the JSON array is complete and
 * loops still tracing to it stop writing. @returns whether such a file was open
 */
export function closeTraceFile(path: string): boolean {
  const f = files.get(path);
  if (f === undefined) return false;
  files.delete(path);
  f.close();
  return true;
}

/**
 * Streams `loop`'s iterations into the Chrome trace file at `path` (created, or shared with the
 * process's other loops tracing to the same path), closed when the process exits. Turns the
 * recorder on (ring of `capacity`) if it is off.
 * @returns a function that stops tracing this loop (the file stays open for the others)
 */
export function traceToFile(loop: EventLoop, path: string, capacity = 256): () => void {
  let file = files.get(path);
  if (file === undefined) {
    file = new TraceFile(path);
    files.set(path, file);
  }
  const f = file;
  const tid = f.nextTid();
  const { backend, mode } = loop.stats();
  f.add([
    {
      name: 'process_name',
      ph: 'M',
      ts: 0,
      pid: process.pid,
      tid,
      args: { name: `nbio (pid ${process.pid})` },
    },
    ...trackEvents(process.pid, tid, `nbio loop ${(tid + 1) / 2} (${backend}, ${mode})`),
  ]);
  if (!loop.recorder.enabled) loop.recorder.enable(capacity);
  const waitName = WAIT_NAME[backend] ?? 'wait';
  const unsubscribe = loop.recorder.subscribe((r) => f.add(iterationEvents(r, process.pid, tid, waitName)));
  const unhook = loop.onClose(() => f.flush());
  return () => {
    unsubscribe();
    unhook();
    f.flush();
  };
}
