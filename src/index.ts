/**
 * nbio's public API: re-exports only, no logic. Layer by layer, from the system calls up.
 * The Twisted and Tornado styles and the `net`-compatible sockets are separate entry points
 * (`nbio/twisted`, `nbio/tornado`, `nbio/compat`), so importing nbio patches nothing and loads
 * no style you do not use.
 *
 * @module
 */

// L4 async
export * from './async/index.ts';
// errors (every layer)
export {
  AbortedError,
  AddressInUseError,
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  ConnectionRefusedError,
  IncompleteReadError,
  InvalidArgumentError,
  LimitOverrunError,
  NameResolutionError,
  NbioError,
  type NbioErrorCode,
  TaskGroupError,
  TimeoutError,
  WouldBlockError,
} from './errors.ts';
// L2 loop
export { type Clock, MonotonicClock } from './loop/clock.ts';
export { EventLoop, type EventLoopOptions, type EventLoopStats, type RunMode } from './loop/event-loop.ts';
export type { ExceptionContext, ExceptionHandler } from './loop/exceptions.ts';
export { Handle, TimerHandle } from './loop/handle.ts';
export type { IoCallback } from './loop/io-watchers.ts';
export type { CallbackKind, LoopObserver } from './loop/loop-observer.ts';
export { OffloadPool, type OffloadPoolOptions, type OffloadPoolStats } from './loop/offload-pool.ts';
export { type CallbackProbe, DEFAULT_RECORDER_CAPACITY, LoopRecorder } from './loop/recorder.ts';
export { closeTraceFile, traceToFile } from './loop/recorder-trace.ts';
export type {
  CallbackRecord,
  CallbackRecordKind,
  InterestRecord,
  IterationRecord,
  Labelled,
  LoopCounters,
  ReadyRecord,
  StackFrameRecord,
  StallReport,
  SyscallRecord,
  TimeoutReason,
  WakeReason,
} from './loop/recorder-types.ts';
export { type ChannelEndpoint, ThreadsafeChannel, ThreadsafeSender } from './loop/threadsafe.ts';
export { Watchdog, type WatchdogOptions } from './loop/watchdog.ts';
// L3 net
export { type ConnectOptions, type ConnectRequest, createConnection } from './net/connect.ts';
export {
  createDatagramEndpoint,
  type DatagramEndpointOptions,
  type DatagramProtocol,
  type DatagramTransport,
} from './net/datagram.ts';
export { createServer, Server, type ServerOptions, type ServerStats } from './net/listener.ts';
export type { Protocol, ProtocolFactory } from './net/protocol.ts';
export { closeResolver, type ResolveOptions, resolve } from './net/resolver.ts';
export {
  SocketTransport,
  type SocketTransportOptions,
  type SocketTransportStats,
} from './net/socket-transport.ts';
export type { ExtraInfo, Transport, TransportStats, WaterMarks } from './net/transport.ts';
// L1 selector
export {
  allBackends,
  availableBackends,
  backendAvailability,
  createSelector,
  defaultSelector,
} from './selector/default-selector.ts';
export { EpollSelector } from './selector/epoll-selector.ts';
export { KqueueSelector } from './selector/kqueue-selector.ts';
export { PollSelector } from './selector/poll-selector.ts';
export { SelectSelector } from './selector/select-selector.ts';
export {
  Interest,
  Ready,
  type ReadyEvent,
  type Selector,
  type SelectorCapabilities,
  type SelectorName,
  type SelectorStats,
  type Token,
  type TriggerMode,
} from './selector/selector.ts';
// L0 sys: the address types users pass around, and OsError
export { OsError } from './sys/errno.ts';
export type { Ipv4Address, Ipv6Address, SocketAddress, UnixAddress } from './sys/sockaddr.ts';
// beside: tracing and test helpers
export { FakeClock } from './testing/fake-clock.ts';
export { type FdSnapshot, fdSnapshot, fdsOpenedSince, openFdCount } from './testing/fd-count.ts';
export { type TraceCheck, validateTrace } from './trace/trace-validate.ts';
export { type SelectCall, TracedSelector, type TracedSelectorOptions } from './trace/traced-selector.ts';
