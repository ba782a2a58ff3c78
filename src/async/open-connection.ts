/**
 * `openConnection`: a client connection as a `[StreamReader, StreamWriter]` pair (asyncio's
 * `open_connection`, Tornado's `TCPClient.connect`). A thin promise over L3's
 * `createConnection`, which resolves a host name that is not an IP literal with the resolver
 * (src/net/resolver.ts) and tries each address in order.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { createConnection } from '../net/connect.ts';
import { abortedError } from './cancellable.ts';
import { StreamProtocol } from './stream-protocol.ts';
import type { StreamReader } from './stream-reader.ts';
import type { StreamWriter } from './stream-writer.ts';

/** Options of {@link openConnection}. */
export interface OpenConnectionOptions {
  /** IP literal or host name (resolved first); default `'localhost'`. */
  host?: string;
  /** TCP port; required unless `path` is given. */
  port?: number;
  /** A Unix socket path instead of host and port. */
  path?: string;
  /** Only addresses of this family. */
  family?: 'ipv4' | 'ipv6';
  /** Give up after this many ms (name resolution included) with TimeoutError. */
  timeoutMs?: number;
  /** Aborting it cancels the attempt with AbortedError (the socket is closed). */
  signal?: AbortSignal;
  /** The reader's buffer limit (backpressure, readUntil); default 64 KiB. */
  limit?: number;
  /** TCP_NODELAY; default true. */
  noDelay?: boolean;
}

/**
 * Connects and returns the stream pair.
 *
 * @example
 * ```ts
 * const [reader, writer] = await openConnection(loop, { host: '127.0.0.1', port, timeoutMs: 5_000 });
 * writer.write('PING\r\n');
 * const reply = await reader.readLine();
 * writer.close();
 * await writer.waitClosed();
 * ```
 * @throws (rejects) ConnectionRefusedError, TimeoutError, AbortedError, NameResolutionError,
 *   OsError (see createConnection); InvalidArgumentError for bad options
 */
export function openConnection(
  loop: EventLoop,
  options: OpenConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  return new Promise<[StreamReader, StreamWriter]>((resolve, reject) => {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('openConnection needs options: pass { host, port } or { path }.');
    }
    const { signal, limit, ...connect } = options;
    if (signal?.aborted) throw abortedError('openConnection()', signal);
    const protocol = new StreamProtocol({ limit }); // throws for a bad limit before any socket opens
    createConnection(
      loop,
      () => protocol,
      { ...connect, signal },
      (err) => {
        if (err !== null) reject(err);
        else resolve([protocol.reader, protocol.writer!]);
      },
    );
  });
}
