/**
 * `net`-compatible sockets and servers on nbio (gevent's promise: existing code runs
 * unchanged). The one place in nbio with a default loop, and the one place that may import
 * Node's `net`/`tls`/`http` — only to adapt to them, never to carry the bytes. See
 * docs/styles/compat.md for the map of `net`'s names and the http/undici/tls/redis recipes.
 *
 * @module
 */
export { type CompatStats, compatStats } from './compat-stats.ts';
export type { ConnectOptions, ListenOptions, LookupFunction, SocketOptions } from './connect-args.ts';
export { connect, createConnection } from './create-connection.ts';
export { getDefaultLoop, setDefaultLoop } from './default-loop.ts';
export { NetError, type NetErrorTarget, toNetError } from './net-error.ts';
export { NodeRangeError, NodeTypeError } from './node-errors.ts';
export {
  isNetPatched,
  PATCHED_NAMES,
  type PatchNetOptions,
  patchNet,
  SERVER_PATCHED_NAMES,
  unpatchNet,
} from './patch-net.ts';
export { type ConnectionListener, createServer, Server, type ServerOptions } from './server.ts';
export { type AddressInfo, type ReadyState, Socket } from './socket.ts';
