/**
 * Protocol: the callbacks a Transport calls (asyncio's `Protocol`, Twisted's `IProtocol`).
 *
 * ## State machine (asyncio's, exactly)
 * `start → connectionMade → dataReceived* → eofReceived? → connectionLost → end`
 * - `connectionMade(transport)` is called once, first; the transport is usable from inside it
 *   (`pauseReading()` there means no `dataReceived` until `resumeReading()`).
 * - `dataReceived(data)` receives bytes in order. `data` is a fresh Buffer the protocol may keep,
 *   unless the protocol sets `copiesData` (below).
 * - `eofReceived()` is called at most once, when the peer half-closed (shut down its write
 *   side). Return `true` to keep the connection open for writing (half-close); anything else
 *   closes the transport.
 * - `connectionLost(error?)` is called exactly once, last: `undefined` after a clean close, else
 *   the error (`BrokenResourceError` with the OsError as `cause` for ECONNRESET/EPIPE …).
 * - `pauseWriting()`/`resumeWriting()` bracket the time the transport's write buffer is above the
 *   high water mark (flow control); they alternate, starting with pause.
 *
 * @module
 */
import type { Transport } from './transport.ts';

/** Callbacks of a stream connection. All but `dataReceived` are optional. */
export interface Protocol {
  /** The connection is established; keep `transport` to write. */
  connectionMade?(transport: Transport): void;
  /** Bytes arrived. */
  dataReceived(data: Buffer): void;
  /**
   * Opt-in (default false): true when the protocol copies whatever it keeps of `dataReceived`'s
   * `data` before the call returns (and runs no code that could read the socket before then).
   * The transport may then pass a view of its own read buffer, valid only until `dataReceived`
   * returns, instead of a fresh copy per read — so the protocol can lay out its copy as it
   * needs (an HTTP body in a buffer of its own). `SocketTransport` lends its buffer;
   * io_uring's transport passes its fresh copies (also valid).
   */
  readonly copiesData?: boolean;
  /** The peer half-closed. Return true to keep writing; otherwise the transport closes. */
  eofReceived?(): boolean | undefined;
  /** The connection is gone; called exactly once. */
  connectionLost?(error?: Error): void;
  /** The write buffer went above the high water mark: stop producing. */
  pauseWriting?(): void;
  /** The write buffer drained below the low water mark: produce again. */
  resumeWriting?(): void;
}

/** Makes one Protocol per connection. */
export type ProtocolFactory = () => Protocol;
