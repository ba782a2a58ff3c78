/**
 * `nbio echo --backend <select|poll|epoll|kqueue> --port <n> [--host h]`: an echo server on
 * nbio's Transport/Protocol layer. Prints `listening on <host>:<port>` once ready, echoes every
 * byte back, keeps a half-closed connection open until its echo is flushed, and stops cleanly on
 * SIGINT/SIGTERM (closing the listener and every connection, then the loop).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import { EventLoop } from '../loop/event-loop.ts';
import { type ExceptionContext, logException } from '../loop/exceptions.ts';
import { createServer } from '../net/listener.ts';
import type { Protocol } from '../net/protocol.ts';
import type { Transport } from '../net/transport.ts';
import { allBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { describe } from '../sys/socket.ts';

/** Parsed `nbio echo` options. */
export interface EchoOptions {
  backend?: SelectorName;
  port: number;
  host: string;
  /** Unix socket path instead of host/port. */
  path?: string;
}

/**
 * The echo protocol: what comes in goes out; a half-close is answered once the echo is out.
 * Backpressure: when the peer reads slower than it sends, the write buffer crosses the high water
 * mark and reading pauses until it drains, so memory stays bounded (a client that sends without
 * ever reading stalls, as it would against any flow-controlled echo server).
 */
export class EchoProtocol implements Protocol {
  #transport: Transport | null = null;

  connectionMade(transport: Transport): void {
    this.#transport = transport;
  }

  dataReceived(data: Buffer): void {
    this.#transport!.write(data);
  }

  pauseWriting(): void {
    this.#transport!.pauseReading();
  }

  resumeWriting(): void {
    this.#transport!.resumeReading();
  }

  eofReceived(): boolean {
    // The peer is done sending: finish our echo, then close (close() flushes first).
    this.#transport!.close();
    return true;
  }
}

/** Parses `--backend b --port n --host h --path p`. @throws InvalidArgumentError naming the flag */
export function parseEchoArgs(argv: string[]): EchoOptions {
  const opts: EchoOptions = { port: 7000, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined && flag.startsWith('--')) {
      throw new InvalidArgumentError(`${flag} needs a value.`);
    }
    switch (flag) {
      case '--backend':
        if (!(allBackends as readonly string[]).includes(value)) {
          throw new InvalidArgumentError(
            `--backend must be one of ${allBackends.join(', ')}; got '${value}'.`,
          );
        }
        opts.backend = value as SelectorName;
        break;
      case '--port':
        opts.port = Number(value);
        if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
          throw new InvalidArgumentError(`--port must be an integer from 0 to 65535; got '${value}'.`);
        }
        break;
      case '--host':
        opts.host = value;
        break;
      case '--path':
        opts.path = value;
        break;
      default:
        throw new InvalidArgumentError(`unknown option '${flag}'. Use --backend, --port, --host or --path.`);
    }
    i++;
  }
  return opts;
}

/** Runs the echo server until SIGINT/SIGTERM. Resolves with the exit code. */
export async function echo(argv: string[]): Promise<number> {
  const opts = parseEchoArgs(argv);
  const loop = new EventLoop(opts.backend ? { selector: opts.backend } : {});
  let server: ReturnType<typeof createServer>;
  try {
    server = createServer(
      loop,
      () => new EchoProtocol(),
      opts.path ? { path: opts.path } : { host: opts.host, port: opts.port },
    );
  } catch (err) {
    loop.close();
    throw err;
  }
  loop.setExceptionHandler(printException);
  const stop = (signal: NodeJS.Signals) => {
    const { activeConnections, refusedFdTooLarge } = server.stats();
    const refused = refusedFdTooLarge > 0 ? `, ${refusedFdTooLarge} refused: fd too large for select` : '';
    console.error(`nbio echo: ${signal}, closing (${activeConnections} connections open${refused})`);
    server.close();
    server.closeConnections(true);
    loop.stop();
  };
  loop.addSignalHandler('SIGINT', stop);
  loop.addSignalHandler('SIGTERM', stop);
  console.log(`listening on ${describe(server.address())}`);
  console.error(
    `nbio echo: ${loop.selector.capabilities.name} selector, ${loop.mode} mode, pid ${process.pid}`,
  );
  await loop.run();
  loop.close();
  return 0;
}

/**
 * A refused connection (select: fd ≥ FD_SETSIZE) is one line on stderr with its code and the
 * way out; anything else gets the default report (context and stack).
 */
function printException(ctx: ExceptionContext): void {
  const e = ctx.error as { code?: unknown; message?: unknown } | null;
  if (e !== null && typeof e === 'object' && e.code === 'NBIO_FD_TOO_LARGE') {
    console.error(`nbio echo: ${String(e.message)} [NBIO_FD_TOO_LARGE]`);
  } else logException(ctx);
}
