// The public API, as a snapshot (trio's export test): adding or removing an export of
// src/index.ts is a deliberate change that updates this list in the same commit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as nbio from '../../src/index.ts';

const EXPECTED = `AbortedError AddressInUseError BrokenResourceError BusyResourceError ClosedResourceError
ConnectionRefusedError DEFAULT_RECORDER_CAPACITY DEFAULT_STREAM_LIMIT EpollSelector Event EventLoop FakeClock Handle
IncompleteReadError Interest InvalidArgumentError KqueueSelector LimitOverrunError Lock LoopRecorder
MonotonicClock NameResolutionError NbioError OffloadPool OsError PollSelector Queue Ready
SelectSelector Semaphore Server SocketTransport StreamProtocol StreamReader StreamServer
StreamWriter TaskGroup TaskGroupError ThreadsafeChannel ThreadsafeSender TimeoutError TimerHandle
TracedSelector Watchdog WouldBlockError abortedError allBackends availableBackends backendAvailability
cancellable closeResolver closeTraceFile createConnection createDatagramEndpoint createSelector createServer
defaultSelector fdSnapshot fdsOpenedSince isCancellation moveOnAfter openConnection openFdCount resolve sleep sleepUntil
startServer traceToFile validateTrace withDeadline withTimeout`
  .split(/\s+/)
  .sort();

test('src/index.ts exports exactly the documented names', () => {
  assert.deepEqual(Object.keys(nbio).sort(), EXPECTED);
});

test('every exported error class carries a stable NBIO_ code', () => {
  for (const [name, value] of Object.entries(nbio)) {
    if (typeof value !== 'function' || !/^[A-Z]\w*Error$/.test(name) || name === 'OsError') continue;
    const proto = (value as { prototype: unknown }).prototype;
    assert.ok(proto instanceof nbio.NbioError || value === nbio.NbioError, `${name} extends NbioError`);
  }
});
