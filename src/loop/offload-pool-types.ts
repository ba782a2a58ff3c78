/**
 * The types of an OffloadPool (src/loop/offload-pool.ts): its options, its stats, what `submit`
 * returns, and (`@internal`) the records the pool keeps per task and per worker thread and the
 * messages a worker sends back.
 *
 * @module
 */
import type { Worker } from 'node:worker_threads';
import type { ThreadsafeChannel } from './threadsafe.ts';

/** Options of an `OffloadPool`. */
export interface OffloadPoolOptions {
  /** Shown in stats, errors and traces (e.g. `'nbio-resolver'`). */
  name: string;
  /** Most worker threads at once. Default 2. */
  size?: number;
  /** Most tasks waiting for a worker; `submit` throws NBIO_BUSY beyond it. Default 1024. */
  maxQueue?: number;
}

/** What `submit` returns. */
export interface OffloadTask {
  /** Cancels the task: see offload-pool.ts's module comment. Idempotent; harmless after the callback ran. */
  cancel(): void;
}

/** The callback of a task; runs on the loop. */
export type OffloadCallback = (err: Error | null, result?: unknown) => void;

/** Counters of one pool, as a frozen plain object. */
export interface OffloadPoolStats {
  readonly name: string;
  readonly size: number;
  /** Worker threads alive now. */
  readonly workers: number;
  /** Workers running a task now. */
  readonly busy: number;
  /** Tasks waiting for a worker. */
  readonly queueLength: number;
  /** Tasks whose export returned. */
  readonly completed: number;
  /** Tasks whose export threw, or whose worker died. */
  readonly failed: number;
  /** Tasks cancelled or aborted. */
  readonly cancelled: number;
  /** Mean time in the queue before a worker took the task (ms). */
  readonly waitMsAvg: number;
  /** Longest time in the queue (ms). */
  readonly waitMsMax: number;
}

/** @internal One submitted task, as the pool keeps it. */
export interface Task {
  readonly id: number;
  readonly module: string;
  readonly exportName: string;
  readonly args: unknown[];
  readonly callback: OffloadCallback;
  readonly submittedAt: number;
  state: 'queued' | 'running' | 'settled';
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** @internal One worker thread of the pool, and the task it runs. */
export interface Slot {
  readonly worker: Worker;
  readonly channel: ThreadsafeChannel;
  task: Task | null;
  alive: boolean;
  /** What the worker's last 'error' event carried (newer @types/node type it `unknown`: a thread can throw anything). */
  lastError: unknown;
}

/** @internal An error as a worker sends it (class identity cannot cross threads). */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  props: Record<string, unknown>;
}

/** @internal What a worker posts on its channel to the loop. */
export type WorkerMessage =
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; error: ErrorData }
  | { type: 'exit'; code: number };
