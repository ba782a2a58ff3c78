/**
 * The hook points through which Node's own clients open sockets, for {@link patchNet}: `http`,
 * `https` and `tls` captured or bypass `net.connect` at load time, so swapping `net`'s
 * functions alone does not reach them.
 *
 * - `http.Agent.prototype.createConnection` is the original `net.createConnection` on Node 20
 *   (copied when `http` loaded; Node 22 and 24 wrap it in a function of their own, which holds
 *   the same captured reference): it is replaced on the prototype, so the default agent (`http.get`,
 *   `http.request`, `fetch`-free code) and every Agent that does not override it get nbio
 *   sockets.
 * - `tls.connect()` without a `socket` connects through `TLSSocket`, which extends the
 *   original `net.Socket` (libuv). It is wrapped: the wrapper opens an nbio socket to the same
 *   host and port and hands it to the original `tls.connect` as `socket` (Node's TLS then runs
 *   over the Duplex). `https.Agent` calls `tls.connect` at request time, so `https.get` is
 *   covered too. Calls that pass a `socket`, or a `path` or `fd`, are left as they are.
 *
 * Each replaced property's exact descriptor is kept and put back by the returned function.
 *
 * @module
 */

import type * as NodeHttp from 'node:http';
import { createRequire } from 'node:module';
import type * as NodeTls from 'node:tls';

const require = createRequire(import.meta.url);
const nodeHttp = require('http') as typeof NodeHttp;
const nodeTls = require('tls') as typeof NodeTls;

/** Opens an nbio socket the way `net.connect(options)` does. */
export type ConnectFunction = (options: Record<string, unknown>) => unknown;

/**
 * Points `http.Agent.prototype.createConnection` at `openSocket` and wraps `tls.connect` (see the
 * module comment).
 * @returns a function that restores both exactly
 */
export function patchClients(openSocket: ConnectFunction): () => void {
  const agentProto = nodeHttp.Agent.prototype as unknown as Record<string, unknown>;
  const savedAgent = Object.getOwnPropertyDescriptor(agentProto, 'createConnection');
  const savedTls = Object.getOwnPropertyDescriptor(nodeTls, 'connect');
  if (savedAgent === undefined || savedTls === undefined) {
    throw new Error('unreachable: http.Agent.prototype.createConnection or tls.connect is missing');
  }
  const originalTlsConnect = savedTls.value as (...args: unknown[]) => unknown;
  Object.defineProperty(agentProto, 'createConnection', {
    ...savedAgent,
    value: function createConnection(...args: unknown[]) {
      return (openSocket as (...a: unknown[]) => unknown)(...args);
    },
  });
  Object.defineProperty(nodeTls, 'connect', {
    ...savedTls,
    value: function connect(...args: unknown[]) {
      const [options, cb] = tlsConnectArgs(args);
      if (options.socket != null || options.path != null || options.fd != null) {
        return originalTlsConnect.apply(this, args);
      }
      const socket = openSocket({ ...options, host: options.host ?? 'localhost' });
      const withSocket = { ...options, socket };
      return cb === undefined ? originalTlsConnect(withSocket) : originalTlsConnect(withSocket, cb);
    },
  });
  return () => {
    Object.defineProperty(agentProto, 'createConnection', savedAgent);
    Object.defineProperty(nodeTls, 'connect', savedTls);
  };
}

/**
 * `tls.connect`'s shapes — `(options[, cb])`, `(port[, host][, options][, cb])`,
 * `(path[, options][, cb])` — as one options object and the callback.
 */
function tlsConnectArgs(args: readonly unknown[]): [Record<string, unknown>, unknown] {
  const last = args.at(-1);
  const cb = typeof last === 'function' ? last : undefined;
  const rest = cb === undefined ? args : args.slice(0, -1);
  const [a0, a1, a2] = rest;
  if (typeof a0 === 'object' && a0 !== null) return [{ ...(a0 as object) }, cb];
  const options: Record<string, unknown> = {};
  let extra: unknown = a1;
  if (typeof a0 === 'string' && !/^\s*\d+\s*$/.test(a0)) options.path = a0;
  else {
    options.port = a0;
    if (typeof a1 === 'string') {
      options.host = a1;
      extra = a2;
    }
  }
  // As tls: the options object's host/port win over the positional ones.
  if (typeof extra === 'object' && extra !== null) Object.assign(options, extra);
  return [options, cb];
}
