/**
 * `createConnection` / `connect`: `net.createConnection`'s signatures, answered with a compat
 * {@link Socket} on an nbio loop (`options.loop`, else the default loop).
 *
 * @module
 */
import { type ConnectOptions, type Listener, normalizeConnectArgs } from './connect-args.ts';
import { Socket } from './socket.ts';

/**
 * Opens a connection: `createConnection(options[, listener])`,
 * `createConnection(port[, host][, listener])` or `createConnection(path[, listener])`.
 * `listener` runs on `'connect'`; failures arrive as `'error'` (`code: 'ECONNREFUSED'` …).
 * @throws InvalidArgumentError for a bad port, host, family or loop (synchronously, as `net`)
 * @example
 * const socket = createConnection({ host: '127.0.0.1', port: 6379 }, () => socket.write('PING\r\n'));
 * socket.on('data', (d) => console.log(d.toString()));
 */
export function createConnection(options: ConnectOptions, listener?: Listener): Socket;
export function createConnection(port: number | string, host?: string, listener?: Listener): Socket;
export function createConnection(path: string, listener?: Listener): Socket;
export function createConnection(...args: unknown[]): Socket {
  const [options, listener] = normalizeConnectArgs(args);
  return new Socket(options).connect(options, listener);
}

/** The same function as {@link createConnection} (`net.connect` is its alias). */
export const connect: typeof createConnection = createConnection;
