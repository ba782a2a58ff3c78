/**
 * `nbio echo [--backend b] [--mode guest|owner] [--host h] [--port n] [--path p]`: an echo server
 * on nbio's Transport/Protocol layer. Prints `listening on <host>:<port>` once ready, echoes every
 * byte back, keeps a half-closed connection open until its echo is flushed, and stops cleanly on
 * SIGINT/SIGTERM (closing the listener and every connection, then the loop).
 *
 * `--mode` picks the loop's run mode (src/loop/event-loop.ts): `guest` rides Node's own loop
 * (libuv waits on the selector's descriptor: epoll, kqueue, io_uring), `owner` lets the loop own
 * the thread and wait in its own system call (`io_uring_enter` submits and waits in one call on
 * io_uring). Without it the loop picks guest where the backend allows it, else owner. A mode the
 * backend cannot run (guest on select or poll) is refused with `NBIO_UNSUPPORTED`, exit 1.
 *
 * @module
 */
import { EventLoop, type RunMode } from '../loop/event-loop.ts';
import { type ExceptionContext, logException } from '../loop/exceptions.ts';
import { createServer } from '../net/listener.ts';
import type { Protocol } from '../net/protocol.ts';
import type { Transport } from '../net/transport.ts';
import { allBackends } from '../selector/default-selector.ts';
import { describe } from '../sys/socket.ts';
import { type Command, defineCommand } from './args.ts';
import { HOST_FLAG, resolveListenHost } from './listen-host.ts';

/** The run modes `--mode` accepts. */
const RUN_MODES: readonly RunMode[] = ['guest', 'owner'];

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

/** `nbio echo`: see the module comment. */
export const echoCommand: Command = defineCommand(
  {
    name: 'echo',
    summary: 'an echo server on nbio transports (Ctrl-C stops it)',
    flags: {
      backend: { type: 'choice', choices: allBackends, help: 'selector backend (default: the best here)' },
      mode: {
        type: 'choice',
        choices: RUN_MODES,
        help: "run mode: guest (on Node's loop) or owner (owns the thread); default: guest where the backend allows it",
      },
      host: HOST_FLAG,
      port: { type: 'int', min: 0, max: 65535, default: 7000, help: 'TCP port; 0 picks a free one' },
      path: { type: 'string', help: 'listen on this Unix socket path instead of a host and port' },
    },
    conflicts: [['path', ['host', 'port'], 'the server listens on a Unix socket path or on a host and port']],
    details: 'Prints "listening on <address>" once ready; every byte received is sent back.',
  },
  async ({ values }) => {
    const loop = new EventLoop({
      ...(values.backend !== undefined ? { selector: values.backend } : {}),
      ...(values.mode !== undefined ? { mode: values.mode } : {}),
    });
    let server: ReturnType<typeof createServer>;
    try {
      const where =
        values.path !== undefined
          ? { path: values.path }
          : { host: await resolveListenHost(loop, values.host), port: values.port };
      server = createServer(loop, () => new EchoProtocol(), where);
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
  },
);

/** Runs `nbio echo` with `argv` (the words after `echo`); resolves with the exit code. */
export function echo(argv: readonly string[]): Promise<number> {
  return echoCommand.run(argv);
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
