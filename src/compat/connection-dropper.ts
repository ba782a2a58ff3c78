/**
 * `connectionDropper`: what the compat `Server` (server.ts) accepts in place of a socket
 * once `maxConnections` connections are open — the connection is closed at once and `'drop'`
 * is emitted with its addresses, as `net` does.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { Protocol } from '../net/protocol.ts';

/**
 * The protocol of a connection over `maxConnections`: on `connectionMade` it aborts the
 * transport and emits `'drop'` on `server` with `{ localAddress, localPort, localFamily,
 * remoteAddress, remotePort, remoteFamily }` (undefined for a Unix socket), as `net`.
 */
export function connectionDropper(server: EventEmitter): Protocol {
  return {
    connectionMade: (t) => {
      const local = t.getExtraInfo('sockname');
      const remote = t.getExtraInfo('peername');
      t.abort();
      const ip = (a: typeof local) => (a === null || a.family === 'unix' ? undefined : a);
      const l = ip(local);
      const r = ip(remote);
      const family = (a: typeof l) => (a === undefined ? undefined : a.family === 'ipv4' ? 'IPv4' : 'IPv6');
      server.emit('drop', {
        localAddress: l?.address,
        localPort: l?.port,
        localFamily: family(l),
        remoteAddress: r?.address,
        remotePort: r?.port,
        remoteFamily: family(r),
      });
    },
    dataReceived: () => {},
  };
}
