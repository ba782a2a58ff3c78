/**
 * The tour's non-blocking server: the same line protocol as the blocking one, but every socket
 * is non-blocking and one EventLoop waits for all of them at once. The selector is wrapped in
 * a TracedSelector, so the tour can print each wait (the sets passed in, the fds ready, the
 * time blocked) and count the syscalls the loop issued.
 *
 * @module
 */
import { EventLoop } from '../../loop/event-loop.ts';
import type { Watcher } from '../../loop/io-watchers.ts';
import { createSelector } from '../../selector/default-selector.ts';
import type { SelectorName } from '../../selector/selector.ts';
import { close, WOULD_BLOCK } from '../../sys/fd.ts';
import * as sock from '../../sys/socket.ts';
import { type SelectCall, TracedSelector } from '../../trace/traced-selector.ts';
import { GREETING, type SyscallCounts } from './blocking-server.ts';

/** What the non-blocking run reports. */
export interface NonBlockingRun {
  counts: SyscallCounts;
  iterations: number;
  events: number;
  sleptMs: number;
}

/**
 * Serves `clients` connections on `listener` with one loop on `backend`, calling `onSelect`
 * for every wait. Resolves once every client was answered.
 */
export async function serveNonBlocking(
  listener: number,
  clients: number,
  backend: SelectorName,
  onSelect: (call: SelectCall, wakerFd: number) => void,
): Promise<NonBlockingRun> {
  const counts: SyscallCounts = {};
  const add = (name: string, n = 1) => {
    counts[name] = (counts[name] ?? 0) + n;
  };
  let events = 0;
  const traced = new TracedSelector<Watcher>(createSelector<Watcher>(backend), {
    onSelect: (call) => {
      events += call.readable.length + call.writable.length;
      onSelect(call, loop.wakerFd);
    },
  });
  const loop: EventLoop = new EventLoop({ selector: traced });
  const waitsBefore = traced.waits;
  const ctlBefore = traced.controlCalls;
  await loop.runUntilComplete(
    () =>
      new Promise<void>((resolve) => {
        let served = 0;
        const buf = Buffer.alloc(256);
        loop.addReader(listener, () => {
          for (;;) {
            const fd = sock.accept(listener);
            add('accept4');
            if (fd === WOULD_BLOCK) break;
            sock.send(fd, GREETING); // fits the empty socket buffer: never would-block here
            add('sendto');
            let got = '';
            loop.addReader(fd, () => {
              const n = sock.recv(fd, buf);
              add('recvfrom');
              if (n === WOULD_BLOCK) return;
              got += buf.toString('utf8', 0, n);
              if (n > 0 && !got.endsWith('\n')) return; // not a whole line yet: back to waiting
              sock.send(fd, Buffer.from(`you said: ${got.trim()}\n`));
              add('sendto');
              loop.removeReader(fd);
              close(fd);
              add('close');
              if (++served === clients) resolve();
            });
          }
        });
      }),
  );
  loop.removeReader(listener);
  const st = loop.stats();
  // The loop's own syscalls: one per wait, one per interest change (epoll_ctl/bitmap edit),
  // minus the waker's registration made when the loop was created.
  add(traced.capabilities.syscall, traced.waits - waitsBefore);
  if (traced.capabilities.kernelInterestSet) add('epoll_ctl', traced.controlCalls - ctlBefore - 1);
  loop.close();
  return { counts, iterations: st.iterations, events, sleptMs: traced.sleptMs };
}
