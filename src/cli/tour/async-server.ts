/**
 * The tour's asynchronous server: the same line protocol as the others, on io_uring's
 * completion queue directly (no Transport), so the tour can print what the program *submitted*
 * to the kernel and what *completed*: a readiness loop is told "fd 7 may be read now" and then
 * calls recv(); here the program hands the kernel the accept, the receive and the send up
 * front, and later finds them done, the bytes already in a buffer. Every operation goes through
 * the rings; the only system call is io_uring_enter (submit what is queued, wait for
 * completions), counted from the ring's own statistics.
 *
 * @module
 */
import type { CompletionQueue } from '../../completion/completion.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { GREETING, type SyscallCounts } from './blocking-server.ts';

/** What the asynchronous run reports. */
export interface AsyncRun {
  counts: SyscallCounts;
  iterations: number;
  /** Operations submitted and completions reaped. */
  submitted: number;
  completions: number;
}

const ECANCELED = 125;

const show = (s: string) => JSON.stringify(s.length > 24 ? `${s.slice(0, 24)}…` : s);

/**
 * Serves `clients` connections on `listener` with one io_uring loop (owner mode), calling
 * `say` with one line per submission or completion. Resolves once every client was answered,
 * its socket closed by the kernel (IORING_OP_CLOSE), and the accept request cancelled.
 * @throws OsError when io_uring cannot be set up (check IoUring.availability() first)
 */
export async function serveAsync(
  listener: number,
  clients: number,
  say: (line: string) => void,
): Promise<AsyncRun> {
  const loop = new EventLoop({ selector: 'io_uring', mode: 'owner' });
  const cq = loop.completion as CompletionQueue;
  const before = cq.stats();
  try {
    await loop.runUntilComplete(
      () =>
        new Promise<void>((resolve) => {
          let closed = 0;
          let acceptOp = 0;
          let acceptEnded = false;
          const finishIfDone = () => {
            if (closed === clients && acceptEnded) resolve();
          };
          const serve = (fd: number) => {
            let got = '';
            let recvOp = 0;
            let closing = false;
            const closeIt = () => {
              if (closing) return;
              closing = true;
              cq.closeFile(fd, (res) => {
                say(`completed CLOSE fd ${fd} → ${res}`);
                if (++closed === clients) {
                  if (acceptOp !== 0) cq.cancel(acceptOp);
                  say(`submitted ASYNC_CANCEL of the ACCEPT (every client was served)`);
                }
                finishIfDone();
              });
              say(`submitted CLOSE fd ${fd} (the kernel closes it)`);
            };
            cq.send(fd, [GREETING], 0, () => {});
            recvOp = cq.recv(fd, (res, data, more) => {
              if (!more) recvOp = 0;
              if (closing || got.endsWith('\n')) return; // answered: late completions are ignored
              if (res > 0 && data !== null) {
                const text = data.toString('utf8');
                got += text;
                say(`completed RECV fd ${fd}: ${res} bytes, already in a ring buffer: ${show(text)}`);
                if (!got.endsWith('\n')) return; // not a whole line yet: the RECV stays armed
                if (recvOp !== 0) cq.cancel(recvOp);
                recvOp = 0;
                const answer = Buffer.from(`you said: ${got.trim()}\n`);
                cq.send(fd, [answer], 0, (sent) => {
                  say(`completed SEND fd ${fd}: ${sent} bytes sent`);
                  closeIt();
                });
                say(`submitted ASYNC_CANCEL of the RECV, SEND fd ${fd} ${show(answer.toString())}`);
              } else if (res === 0 || (res < 0 && res !== -ECANCELED)) {
                say(`completed RECV fd ${fd}: ${res === 0 ? 'end of stream' : `error ${-res}`}`);
                if (recvOp !== 0) cq.cancel(recvOp);
                closeIt();
              }
            });
            say(`submitted SEND fd ${fd} (greeting) + RECV fd ${fd} (multishot, into the buffer ring)`);
          };
          const armAccept = () => {
            acceptOp = cq.accept(listener, true, (res, more) => {
              if (!more) acceptOp = 0;
              if (res >= 0) {
                say(`completed ACCEPT → new connection fd ${res}${more ? ' (the ACCEPT stays armed)' : ''}`);
                serve(res);
              } else if (res === -ECANCELED) {
                say('completed ACCEPT → cancelled');
              }
              if (!more) {
                if (closed < clients) armAccept();
                else {
                  acceptEnded = true;
                  finishIfDone();
                }
              }
            });
            say(`submitted ACCEPT on fd ${listener} (multishot: one request, a completion per connection)`);
          };
          armAccept();
        }),
    );
    const after = cq.stats();
    const st = loop.stats();
    return {
      counts: { io_uring_enter: after.enters - before.enters },
      iterations: st.iterations,
      submitted: after.submitted - before.submitted,
      completions: after.completions - before.completions,
    };
  } finally {
    loop.close();
  }
}
