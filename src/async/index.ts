/**
 * nbio's async layer (L4): promises on nbio's loop — sleeping and timeouts, task groups,
 * queues and locks, and streams over connections. See docs/async.md for how promises meet the
 * loop, the cancellation rules and the asyncio/trio/Tornado names these map to.
 *
 * @module
 */
export { abortedError, cancellable, isCancellation, type Settle, type SignalOptions } from './cancellable.ts';
export { Event, type EventStats } from './event.ts';
export { Lock, type LockStats } from './lock.ts';
export { type OpenConnectionOptions, openConnection } from './open-connection.ts';
export { Queue, type QueueStats } from './queue.ts';
export { Semaphore, type SemaphoreStats } from './semaphore.ts';
export { sleep, sleepUntil } from './sleep.ts';
export { StreamProtocol, type StreamProtocolOptions } from './stream-protocol.ts';
export {
  DEFAULT_STREAM_LIMIT,
  type ReadUntilOptions,
  StreamReader,
  type StreamReaderOptions,
  type StreamReaderStats,
} from './stream-reader.ts';
export {
  type ConnectionHandler,
  type StartServerOptions,
  StreamServer,
  type StreamServerStats,
  startServer,
} from './stream-server.ts';
export { StreamWriter } from './stream-writer.ts';
export { TaskGroup, type TaskGroupStats } from './task-group.ts';
export { type MoveOnResult, moveOnAfter, type Work, withDeadline, withTimeout } from './with-timeout.ts';
