/**
 * Process-wide counters of the compat layer, so a program (or a test) can see that nbio, not
 * Node's `net`, carried the bytes: a library that silently fell back to Node's sockets leaves
 * these unchanged.
 *
 * @module
 */

/** The compat layer's counters, as a frozen plain object. */
export interface CompatStats {
  /** compat `Socket` objects constructed (client and server side). */
  readonly socketsCreated: number;
  /** Client connection attempts started (`connect()`, `createConnection()`, `socket.connect()`). */
  readonly connectsStarted: number;
  /** Sockets that got an nbio transport (connected clients plus accepted connections). */
  readonly transportsAttached: number;
  /** Connections accepted by compat servers. */
  readonly connectionsAccepted: number;
  /** Bytes delivered to compat sockets by their transports. */
  readonly bytesRead: number;
  /** Bytes compat sockets handed to their transports. */
  readonly bytesWritten: number;
  /** Calls that reached nbio through the patched `net` functions or `net.Socket` (patchNet). */
  readonly patchedCalls: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** @internal The live counters; only src/compat/ writes them. */
export const counters: Mutable<CompatStats> = {
  socketsCreated: 0,
  connectsStarted: 0,
  transportsAttached: 0,
  connectionsAccepted: 0,
  bytesRead: 0,
  bytesWritten: 0,
  patchedCalls: 0,
};

/** The compat layer's counters now (they only grow). */
export function compatStats(): CompatStats {
  return Object.freeze({ ...counters });
}
