/**
 * The contract of a UDP endpoint (datagram.ts): the {@link DatagramProtocol} callbacks an
 * application implements, and the {@link DatagramTransport} it sends with. The state machine
 * they follow is described in datagram.ts.
 *
 * @module
 */
import type { SocketAddress } from '../sys/sockaddr.ts';
import type { ExtraInfo } from './transport.ts';

/** Callbacks of a UDP endpoint. Only `datagramReceived` is required. */
export interface DatagramProtocol {
  /** The endpoint is ready; keep `transport` to send. */
  connectionMade?(transport: DatagramTransport): void;
  /** One datagram arrived from `from`. */
  datagramReceived(data: Buffer, from: SocketAddress): void;
  /** The socket reported an error (the endpoint stays open). */
  errorReceived?(error: Error): void;
  /** The endpoint is closed; called exactly once. */
  connectionLost?(error?: Error): void;
  /** More than 64 KiB wait in the send queue: stop sending. */
  pauseWriting?(): void;
  /** The send queue is down to 16 KiB: send again. */
  resumeWriting?(): void;
}

/** Makes the endpoint's protocol. */
export type DatagramProtocolFactory = () => DatagramProtocol;

/** Counters of one endpoint, as a frozen plain object. */
export interface DatagramTransportStats {
  readonly fd: number;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Bytes queued, waiting for the socket. */
  readonly bufferedAmount: number;
  /** Datagrams queued. */
  readonly queuedDatagrams: number;
  /** Errors reported to errorReceived. */
  readonly errors: number;
  readonly isClosing: boolean;
}

/** A UDP endpoint. */
export interface DatagramTransport {
  /**
   * Sends one datagram to `to` (or to the connected peer when `to` is left out).
   * @throws ClosedResourceError after close()/abort(); InvalidArgumentError for bad data or
   *   address, or an address other than the connected peer's
   */
  sendto(data: Uint8Array | string, to?: SocketAddress): void;
  /** Stops reading, sends what is queued, then closes; `connectionLost()` follows. Idempotent. */
  close(): void;
  /** Closes at once, dropping queued datagrams; `connectionLost()` follows. Idempotent. */
  abort(): void;
  /** `'sockname'`, `'peername'` (null unless connected) or `'fd'` (−1 once closed). */
  getExtraInfo<K extends 'sockname' | 'peername' | 'fd'>(name: K): ExtraInfo[K];
  /** Bytes queued, waiting for the socket. */
  readonly bufferedAmount: number;
  /** True once close()/abort() was called. */
  readonly isClosing: boolean;
  /** Counters. */
  stats(): DatagramTransportStats;
}
