/**
 * Test support for the client and its style faces (imported by tests only, not re-exported):
 * a tiny keep-alive HTTP/1.1 server on nbio's own listener, so tests that may not import Node's
 * `http` (src/, by the layer rule) and must run on owner-mode loops have a peer on the same
 * loop. It understands Content-Length request bodies only — enough to answer the client.
 *
 * @module
 */
import type { EventLoop } from '../../loop/event-loop.ts';
import { createServer, type Server } from '../../net/listener.ts';
import type { Protocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';

/** A request as the tiny server saw it. */
export interface MiniRequest {
  method: string;
  path: string;
  /** Field names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

/** What the handler answers. */
export interface MiniResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A running tiny server. */
export interface MiniServer {
  readonly server: Server;
  readonly base: string;
  /** Connections accepted so far. */
  connections(): number;
}

/** Starts the tiny server on 127.0.0.1, a free port. */
export function miniHttpServer(loop: EventLoop, handler: (req: MiniRequest) => MiniResponse): MiniServer {
  let connections = 0;
  const server = createServer(
    loop,
    (): Protocol => {
      connections++;
      let t: Transport;
      let buf = Buffer.alloc(0);
      return {
        connectionMade: (transport) => {
          t = transport;
        },
        dataReceived: (data) => {
          buf = Buffer.concat([buf, data]);
          for (;;) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const lines = buf.toString('latin1', 0, end).split('\r\n');
            const [method = '', path = ''] = (lines[0] ?? '').split(' ');
            const headers: Record<string, string> = {};
            for (const l of lines.slice(1)) {
              const i = l.indexOf(':');
              headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
            }
            const length = Number(headers['content-length'] ?? 0);
            if (buf.length < end + 4 + length) return;
            const body = buf.subarray(end + 4, end + 4 + length);
            buf = buf.subarray(end + 4 + length);
            const res = handler({ method, path, headers, body });
            const payload = Buffer.from(res.body ?? '');
            const fields = Object.entries({ ...res.headers, 'content-length': String(payload.length) })
              .map(([k, v]) => `${k}: ${v}\r\n`)
              .join('');
            t.write(Buffer.concat([Buffer.from(`HTTP/1.1 ${res.status} X\r\n${fields}\r\n`), payload]));
          }
        },
      };
    },
    { host: '127.0.0.1', port: 0 },
  );
  const { port } = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${port}`, connections: () => connections };
}
