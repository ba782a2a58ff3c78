/**
 * The errors a stream transport ({@link StreamTransportCore}) raises or hands to
 * `connectionLost`, with messages that say what happened and what to do.
 *
 * @module
 */
import { BrokenResourceError, ClosedResourceError, TimeoutError } from '../errors.ts';
import { OsError } from '../sys/errno.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { describe } from '../sys/socket.ts';

/**
 * Why `op` (write, writeLines) may not write on fd `fd` now.
 * @param lostError what broke the connection, if it broke
 * @param writeShut the transport is open but `writeEof()` shut the write side
 * @param peerEnded the transport closed after the peer's EOF
 */
export function writeRefusedError(
  op: string,
  fd: number,
  lostError: Error | undefined,
  writeShut: boolean,
  peerEnded: boolean,
): Error {
  if (lostError !== undefined) {
    return new BrokenResourceError(
      `Cannot ${op} on fd ${fd}: the connection broke (${lostError.message}). Open a new connection.`,
      { cause: lostError },
    );
  }
  const why = writeShut
    ? 'writeEof() already shut the write side'
    : peerEnded
      ? 'the transport closed after the peer closed the connection'
      : 'the transport is closed';
  return new ClosedResourceError(`Cannot ${op} on fd ${fd}: ${why}. Open a new connection to send more.`);
}

/** `close()` lingered `lingerMs` on fd `fd` and the peer never sent its EOF. */
export function lingerTimeoutError(fd: number, lingerMs: number): TimeoutError {
  return new TimeoutError(
    `The peer did not end the connection (fd ${fd}) within lingerMs (${lingerMs} ms) after close(): the descriptor was closed anyway. Every byte written was handed to the kernel, but the peer has not confirmed it read them; raise lingerMs to wait longer.`,
  );
}

/** The loop was closed while fd `fd` was open (or, with `lingering`, while close() waited). */
export function loopClosedError(fd: number, lingering: boolean): ClosedResourceError {
  const what = lingering ? 'while close() waited for the peer' : 'with this connection open';
  return new ClosedResourceError(
    `The event loop was closed ${what} (fd ${fd}); its descriptor was closed. Close connections before the loop to end them gracefully.`,
  );
}

/**
 * What `connectionLost` receives for a failure on fd `fd`: a `BrokenResourceError` (cause kept)
 * for an OS error, the error itself otherwise.
 */
export function connectionBrokenError(
  err: unknown,
  fd: number,
  peer: SocketAddress | null | undefined,
): Error {
  if (err instanceof OsError) {
    const to = peer ? ` to ${describe(peer)}` : '';
    return new BrokenResourceError(
      `The connection${to} (fd ${fd}) broke: ${err.syscall}() failed with ${err.code}.`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
