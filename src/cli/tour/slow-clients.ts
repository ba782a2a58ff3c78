/**
 * The tour's slow clients, run in a child process so the servers under test cannot slow them
 * down: N clients connect at once; each waits for the server's greeting, then sends its
 * request line in small pieces spread over `slowMs` (a slow network, or a slow person typing),
 * then waits for the one-line answer. A client is only slow once the server talks to it, so a
 * server that serves one client at a time makes the others wait.
 * Written on nbio itself (one epoll/kqueue loop, raw callbacks). Prints one JSON line:
 * per client, when it connected, when its answer arrived (ms since start).
 *
 * Usage: node --import tsx slow-clients.ts <port> <clients> <slowMs>
 *
 * @module
 */
import { EventLoop } from '../../loop/event-loop.ts';
import { sys } from '../../sys/constants.ts';
import { close, WOULD_BLOCK } from '../../sys/fd.ts';
import * as sock from '../../sys/socket.ts';
import { parseStrictInt } from '../args.ts';

/** What one client saw. */
export interface ClientResult {
  id: number;
  connectedMs: number;
  answeredMs: number;
  answer: string;
}

const PIECES = 5;

/** Runs the clients; resolves with their results in id order. */
export async function runSlowClients(port: number, clients: number, slowMs: number): Promise<ClientResult[]> {
  const loop = new EventLoop();
  const t0 = performance.now();
  const results: ClientResult[] = [];
  await loop.runUntilComplete(
    () =>
      new Promise<void>((resolve) => {
        let done = 0;
        for (let id = 0; id < clients; id++) {
          const fd = sock.socket(sys.AF_INET, 'stream');
          sock.connect(fd, { family: 'ipv4', address: '127.0.0.1', port });
          const line = Buffer.from(`hello from client ${id}\n`);
          const r: ClientResult = { id, connectedMs: -1, answeredMs: -1, answer: '' };
          results.push(r);
          loop.addWriter(fd, () => {
            loop.removeWriter(fd);
            r.connectedMs = performance.now() - t0;
          });
          const buf = Buffer.alloc(256);
          let greeted = false;
          loop.addReader(fd, () => {
            const n = sock.recv(fd, buf);
            if (n === WOULD_BLOCK) return;
            r.answer += buf.toString('utf8', 0, n);
            if (!greeted && r.answer.includes('\n')) {
              // The server spoke to us: now send our line, slowly.
              greeted = true;
              r.answer = r.answer.slice(r.answer.indexOf('\n') + 1);
              const step = Math.ceil(line.length / PIECES);
              for (let p = 0; p < PIECES; p++) {
                loop.callLater((slowMs / PIECES) * p, () =>
                  sock.send(fd, line.subarray(p * step, (p + 1) * step)),
                );
              }
            }
            if (n === 0 || (greeted && r.answer.endsWith('\n'))) {
              r.answeredMs = performance.now() - t0;
              loop.removeReader(fd);
              close(fd);
              if (++done === clients) resolve();
            }
          });
        }
      }),
  );
  loop.close();
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Started by tour.ts with three numbers: the port, how many clients, how slow (ms).
  const arg = (i: number, what: string) => parseStrictInt(process.argv[2 + i] ?? '', 0, 65535, what);
  const results = await runSlowClients(arg(0, 'port'), arg(1, 'clients'), arg(2, 'slowMs'));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
