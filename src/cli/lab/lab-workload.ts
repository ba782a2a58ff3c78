/**
 * The workload `nbio lab` shows: an echo server with a few talking clients, on a loop of its
 * own (owner mode, never `run()`: the lab drives it one `runOnce()` at a time, so it can pause
 * and step it). Everything it does is nbio's own sockets; it keeps what the page draws: the
 * descriptors (from the recorder's interest changes and ready events), the timers it scheduled,
 * and every connection's write buffer against its water marks.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import type { IterationRecord } from '../../loop/recorder-types.ts';
import { createConnection } from '../../net/connect.ts';
import { createServer, type Server } from '../../net/listener.ts';
import type { Protocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';
import type { SelectorName } from '../../selector/selector.ts';
import { sys } from '../../sys/constants.ts';
import type { Ipv4Address } from '../../sys/sockaddr.ts';
import { setIntOption } from '../../sys/socket.ts';

/** Talking clients the workload starts with. */
export const LAB_TALKERS = 3;
/** How often each talking client sends a line (ms). */
export const LAB_TALK_INTERVAL_MS = 400;
/** What one "add idle clients" adds. */
export const LAB_IDLE_BATCH = 1000;
/** A slow reader sends this much in all, then stops (bytes). */
export const LAB_SLOW_READER_TOTAL_BYTES = 8 * 1024 * 1024;
/** The slow reader's chunk and period. */
const SLOW_CHUNK_BYTES = 64 * 1024;
const SLOW_PERIOD_MS = 10;
/** The slow reader's receive buffer: small, so the kernel cannot hide the backpressure. */
const SLOW_RCVBUF_BYTES = 16 * 1024;
/** The slow reader reads one chunk this often. */
const SLOW_READ_EVERY_MS = 300;

/** One registered descriptor as the page draws it. */
export interface LabDescriptor {
  readonly fd: number;
  /** Interest: 1 readable, 2 writable, 3 both. */
  readonly interest: number;
  readonly label: string;
  /** Readiness bits of the last event (0: none yet). */
  readonly ready: number;
  /** The iteration of that event (0: none yet). */
  readonly readyIteration: number;
}

/** One timer the workload scheduled. */
export interface LabTimer {
  readonly label: string;
  /** When it is due, in ms from now (negative: overdue). */
  readonly dueInMs: number;
}

/** One connection's write buffer. */
export interface LabBuffer {
  readonly label: string;
  readonly fd: number;
  readonly bufferedBytes: number;
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
  readonly writePaused: boolean;
  readonly reading: boolean;
}

/** The echo server's protocol: writes back, and stops reading while its peer does not read. */
class LabEcho implements Protocol {
  #t: Transport | null = null;
  readonly #all: Set<Transport>;
  constructor(all: Set<Transport>) {
    this.#all = all;
  }
  connectionMade(t: Transport): void {
    this.#t = t;
    this.#all.add(t);
  }
  dataReceived(data: Buffer): void {
    this.#t?.write(data);
  }
  pauseWriting(): void {
    this.#t?.pauseReading();
  }
  resumeWriting(): void {
    this.#t?.resumeReading();
  }
  connectionLost(): void {
    if (this.#t !== null) this.#all.delete(this.#t);
  }
}

/** A client protocol that keeps its transport and counts what came back. */
class LabClient implements Protocol {
  transport: Transport | null = null;
  bytesBack = 0;
  readonly #onLost: () => void;
  constructor(onLost: () => void) {
    this.#onLost = onLost;
  }
  connectionMade(t: Transport): void {
    this.transport = t;
  }
  dataReceived(data: Buffer): void {
    this.bytesBack += data.length;
  }
  connectionLost(): void {
    this.#onLost();
  }
}

/** The lab's workload on its own owner-mode loop; see the module comment. */
export class LabWorkload {
  /** The loop the page shows (recorder on). */
  readonly loop: EventLoop;
  readonly #server: Server;
  readonly #port: number;
  readonly #serverSide = new Set<Transport>();
  readonly #clients = new Set<Transport>();
  readonly #watched = new Set<Transport>();
  readonly #fds = new Map<number, { interest: number; label: string; ready: number; at: number }>();
  readonly #timers = new Map<TimerHandle, { label: string; dueMs: number }>();
  #idle = 0;
  #slowReaders = 0;
  #closed = false;
  /** Errors of the controls, newest last (the page shows them). */
  readonly notes: string[] = [];

  /**
   * Starts the workload on a new `backend` loop: the echo server on 127.0.0.1 (port 0) and
   * {@link LAB_TALKERS} talking clients.
   * @throws InvalidArgumentError for a backend this machine does not have
   */
  constructor(backend: SelectorName, recorderCapacity = 2000) {
    this.loop = new EventLoop({
      selector: backend,
      mode: 'owner',
      recorder: recorderCapacity,
      // The page lists them (the newest 20); stats().exceptions counts them all.
      exceptionHandler: (ctx) =>
        this.#note(`${ctx.message}: ${(ctx.error as Error)?.message ?? String(ctx.error)}`),
    });
    this.loop.recorder.subscribe((r) => this.#observe(r));
    this.#server = createServer(this.loop, () => new LabEcho(this.#serverSide), {
      host: '127.0.0.1',
      port: 0,
    });
    this.#port = (this.#server.address() as Ipv4Address).port;
    for (let i = 0; i < LAB_TALKERS; i++) this.#talker(i + 1);
    // The waker was registered before the recorder could see it.
    this.#fds.set(this.loop.wakerFd, { interest: 1, label: 'waker', ready: 0, at: 0 });
  }

  /** The backend of the loop. */
  get backend(): SelectorName {
    return this.loop.stats().backend;
  }

  /** Idle clients and slow readers added so far. */
  get added(): { idle: number; slowReaders: number } {
    return { idle: this.#idle, slowReaders: this.#slowReaders };
  }

  /** Opens `count` idle client connections (they never send). */
  addIdleClients(count: number = LAB_IDLE_BATCH): void {
    if (!Number.isInteger(count) || count < 1 || count > 10_000)
      throw new InvalidArgumentError(`Invalid idle client count ${count}: pass an integer 1–10000.`);
    this.#idle += count;
    for (let i = 0; i < count; i++) this.#connect('idle', () => {});
  }

  /** Adds a client that sends fast and reads one chunk every 300 ms: the server's buffer fills. */
  addSlowReader(): void {
    this.#slowReaders++;
    const n = this.#slowReaders;
    this.#connect(`slow reader ${n}`, (t, c) => {
      t.pauseReading();
      setIntOption(t.getExtraInfo('fd'), sys.SOL_SOCKET, sys.SO_RCVBUF, SLOW_RCVBUF_BYTES);
      this.#watched.add(t);
      const chunk = Buffer.alloc(SLOW_CHUNK_BYTES, 0x61);
      let sent = 0;
      const send = () => {
        if (t.isClosing || this.#closed) return;
        if (sent < LAB_SLOW_READER_TOTAL_BYTES) {
          t.write(chunk);
          sent += chunk.length;
          this.#later(SLOW_PERIOD_MS, `slow reader ${n} send`, send);
        }
      };
      const readOne = () => {
        if (t.isClosing || this.#closed) return;
        const before = c.bytesBack;
        t.resumeReading();
        this.loop.callSoon(function slowReaderPause() {
          if (!t.isClosing && c.bytesBack >= before) t.pauseReading();
        });
        this.#later(SLOW_READ_EVERY_MS, `slow reader ${n} read`, readOne);
      };
      send();
      this.#later(SLOW_READ_EVERY_MS, `slow reader ${n} read`, readOne);
    });
  }

  /** Schedules a callback that spins `spinMs` (default 300): the watchdog's case. */
  addBlockingCallback(spinMs = 300): void {
    this.loop.callSoon(function labBlockingCallback() {
      const end = performance.now() + spinMs;
      while (performance.now() < end) {
        // spins on purpose: the lab's "run a blocking callback" control
      }
    });
  }

  /**
   * Every registered descriptor (the loop's own waker included), by fd. On io_uring the
   * connections register no readiness interest (their receives and sends are operations in
   * flight): they are listed with interest 0 and a label that says so.
   */
  descriptors(): LabDescriptor[] {
    const fds = new Map(this.#fds);
    if (this.backend === 'io_uring') {
      for (const t of [...this.#clients, ...this.#serverSide]) {
        if (t.isClosing) continue;
        const fd = t.stats().fd;
        const name = (t as { label?: string }).label ?? `fd ${fd}`;
        if (!fds.has(fd))
          fds.set(fd, { interest: 0, label: `${name} (io_uring operations)`, ready: 0, at: 0 });
      }
    }
    return [...fds.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([fd, d]) => ({ fd, interest: d.interest, label: d.label, ready: d.ready, readyIteration: d.at }));
  }

  /** The timers the workload scheduled and that have not fired yet. */
  timers(): LabTimer[] {
    const now = this.loop.time();
    return [...this.#timers.values()]
      .map((t) => ({ label: t.label, dueInMs: t.dueMs - now }))
      .sort((a, b) => a.dueInMs - b.dueInMs);
  }

  /** The write buffers of the talking and slow connections (both ends); idle ones are left out. */
  buffers(): LabBuffer[] {
    const out: LabBuffer[] = [];
    const add = (t: Transport, side: string) => {
      if (t.isClosing) return;
      const s = t.stats();
      if (side === 'server' && s.bytesRead === 0) return; // an idle connection
      const w = t.getWriteBufferLimits();
      const name = (t as { label?: string }).label ?? `fd ${s.fd}`;
      out.push({
        label: `${side} ${name}`,
        fd: s.fd,
        bufferedBytes: s.bufferedAmount,
        highWaterBytes: w.high,
        lowWaterBytes: w.low,
        writePaused: s.writePaused,
        reading: s.isReading,
      });
    };
    for (const t of this.#serverSide) add(t, 'server');
    for (const t of this.#watched) add(t, 'client');
    return out.slice(0, 40);
  }

  /** Closes every connection, the server and the loop (descriptors closed once, by their owners). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    this.loop.close();
  }

  #talker(n: number): void {
    this.#connect(`talker ${n}`, (t) => {
      this.#watched.add(t);
      let line = 0;
      const talk = () => {
        if (t.isClosing || this.#closed) return;
        line++;
        t.write(`talker ${n} line ${line}\n`);
        this.#later(LAB_TALK_INTERVAL_MS, `talker ${n}`, talk);
      };
      this.#later(50 * n, `talker ${n}`, talk);
    });
  }

  #connect(what: string, made: (t: Transport, c: LabClient) => void): void {
    let transport: Transport | null = null;
    createConnection(
      this.loop,
      () => new LabClient(() => transport !== null && this.#clients.delete(transport)),
      { host: '127.0.0.1', port: this.#port },
      (err, t, c) => {
        if (err !== null || t === undefined || c === undefined) {
          this.#note(`${what}: ${err?.message ?? 'no transport'}`);
          return;
        }
        transport = t;
        this.#clients.add(t);
        made(t, c);
      },
    );
  }

  #later(delayMs: number, label: string, fn: () => void): void {
    const h: TimerHandle = this.loop.callLater(delayMs, () => {
      this.#timers.delete(h);
      fn();
    });
    this.#timers.set(h, { label, dueMs: this.loop.time() + delayMs });
  }

  #note(text: string): void {
    this.notes.push(text);
    if (this.notes.length > 20) this.notes.shift();
  }

  #observe(r: IterationRecord): void {
    for (const c of r.interest) {
      if (c.interest === 0) this.#fds.delete(c.fd);
      else {
        const d = this.#fds.get(c.fd);
        if (d === undefined) this.#fds.set(c.fd, { interest: c.interest, label: c.label, ready: 0, at: 0 });
        else {
          d.interest = c.interest;
          d.label = c.label;
        }
      }
    }
    for (const e of r.events) {
      const d = this.#fds.get(e.fd);
      if (d !== undefined) {
        d.ready = e.ready;
        d.at = r.iteration;
      }
    }
  }
}
