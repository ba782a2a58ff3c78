/**
 * What every chat server of the Rosetta shares: the handle `start()` resolves with, the line
 * limit, a meter for the socket calls `nbio rosetta` counts, and the few lines that make each
 * example runnable on its own. The chat logic itself is written out in every style file.
 *
 * The protocol (docs/rosetta.md):
 * - on connect the server sends `welcome guest<N>\n` (N counts from 1 per server);
 * - a line is broadcast to every *other* connected client as `<name>: <line>\n`;
 * - `/nick <new>` renames; only the sender hears `you are <new>\n`;
 * - `/quit` is answered with `bye\n`, then the server closes that connection;
 * - when a client leaves (either way), the others get `* <name> left\n`;
 * - lines end with `\n` and hold at most {@link MAX_LINE} bytes: a longer one is answered with
 *   `error: line too long\n`, then the connection is closed.
 *
 * @module
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventLoop, type SocketTransportStats, type Transport } from 'nbio';

/** The longest line a client may send, in bytes, without its `\n`. */
export const MAX_LINE = 1024;

/** The port an example listens on when run without one. */
export const DEFAULT_PORT = 7000;

/** recv()/send() (and writev()) calls a server made on its connections. */
export interface IoCalls {
  reads: number;
  writes: number;
}

/** A running chat server, as every style's `start()` resolves it. */
export interface ChatServer {
  /** The port listened on (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops listening and closes every connection at once. */
  close(): void;
  /** The socket reads and writes made so far (for `nbio rosetta`'s table). */
  ioCalls(): IoCalls;
}

/** Every style file exports one of these as `start`. */
export type StartChat = (loop: EventLoop, port: number) => Promise<ChatServer>;

/**
 * Counts socket calls: styles built on nbio transports `track()` each connection (the
 * transport counts its own recv/send calls); the raw style counts at its call sites.
 */
export class IoMeter implements IoCalls {
  reads = 0;
  writes = 0;
  readonly #transports: Transport[] = [];

  /** Adds a connection's transport (its counters stay readable after it closed). */
  track(transport: Transport): void {
    this.#transports.push(transport);
  }

  /** The calls counted directly plus those of every tracked transport. */
  calls(): IoCalls {
    let { reads, writes } = this;
    for (const t of this.#transports) {
      const s = t.stats() as SocketTransportStats;
      reads += s.readCalls;
      writes += s.writeCalls;
    }
    return { reads, writes };
  }
}

/** True when the module at `moduleUrl` is the program being run (not imported). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === resolve(process.argv[1]);
}

/**
 * When the module at `moduleUrl` is the program being run (`npx tsx <file> [port]`): starts its
 * chat server on a fresh loop, prints `listening on 127.0.0.1:<port>`, and serves until
 * SIGINT or SIGTERM. Otherwise (the module was imported) does nothing.
 */
export async function runIfMain(moduleUrl: string, start: StartChat): Promise<void> {
  if (!isMain(moduleUrl)) return;
  const loop = new EventLoop();
  const server = await start(loop, Number(process.argv[2] ?? DEFAULT_PORT));
  const stop = () => {
    server.close();
    loop.stop();
  };
  loop.addSignalHandler('SIGINT', stop);
  loop.addSignalHandler('SIGTERM', stop);
  console.log(`listening on 127.0.0.1:${server.port}`);
  await loop.run();
  loop.close();
}
