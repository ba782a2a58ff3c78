// The chat server on raw loop callbacks over nbio's syscalls: non-blocking sockets, one
// readiness callback per socket, and everything else by hand — cutting lines out of the bytes,
// queueing what send() did not take, closing each descriptor exactly once.
// Run: npx tsx examples/rosetta/raw-callbacks.ts [port]     Protocol: see ./chat-server.ts
import type { EventLoop } from 'nbio';
import { close, socket as sock, sys, WOULD_BLOCK } from 'nbio/sys';
import { type ChatServer, IoMeter, MAX_LINE, runIfMain } from './chat-server.ts';

interface Client {
  fd: number;
  name: string;
  inbox: Buffer; // bytes received, not yet a whole line
  outbox: Buffer[]; // bytes the socket did not take yet
  leaving: boolean; // left the room: close once the outbox is sent
}

/** Starts the chat server on 127.0.0.1:`port` (0: any free port). */
export async function start(loop: EventLoop, port: number): Promise<ChatServer> {
  const listener = sock.socket(sys.AF_INET, 'stream'); // non-blocking from birth
  sock.setIntOption(listener, sys.SOL_SOCKET, sys.SO_REUSEADDR, 1);
  sock.bind(listener, { family: 'ipv4', address: '127.0.0.1', port });
  sock.listen(listener, 128);
  const clients = new Set<Client>();
  const buf = Buffer.alloc(64 * 1024);
  const meter = new IoMeter();
  let guests = 0;

  const hangUp = (c: Client) => {
    if (!clients.delete(c)) return; // closed already
    loop.removeReader(c.fd); // unregister before close, always
    loop.removeWriter(c.fd);
    close(c.fd);
  };
  const leave = (c: Client) => {
    if (c.leaving) return;
    c.leaving = true;
    loop.removeReader(c.fd);
    for (const o of clients) if (!o.leaving) say(o, `* ${c.name} left\n`);
  };
  const flush = (c: Client) => {
    for (let head = c.outbox[0]; head !== undefined; head = c.outbox[0]) {
      let n: number;
      try {
        meter.writes++;
        n = sock.send(c.fd, head);
      } catch {
        leave(c); // EPIPE, ECONNRESET: the client is gone
        return hangUp(c);
      }
      if (n === WOULD_BLOCK) return loop.addWriter(c.fd, () => flush(c)); // go on when writable
      if (n === head.length) c.outbox.shift();
      else c.outbox[0] = head.subarray(n);
    }
    loop.removeWriter(c.fd);
    if (c.leaving) hangUp(c);
  };
  const say = (c: Client, text: string) => {
    c.outbox.push(Buffer.from(text));
    if (c.outbox.length === 1) flush(c); // else a writer is already waiting
  };
  const sayLast = (c: Client, text: string) => {
    say(c, text);
    leave(c);
    if (c.outbox.length === 0) hangUp(c); // else flush() hangs up once it is sent
  };
  const onLine = (c: Client, line: string) => {
    if (line === '/quit') sayLast(c, 'bye\n');
    else if (line.startsWith('/nick ')) {
      c.name = line.slice(6);
      say(c, `you are ${c.name}\n`);
    } else for (const o of clients) if (o !== c && !o.leaving) say(o, `${c.name}: ${line}\n`);
  };
  const onReadable = (c: Client) => {
    let n: number;
    try {
      meter.reads++;
      n = sock.recv(c.fd, buf);
    } catch {
      n = 0; // ECONNRESET: the same as a close
    }
    if (n === WOULD_BLOCK) return; // a spurious wake-up: wait again
    if (n === 0) {
      leave(c);
      return hangUp(c);
    }
    c.inbox = Buffer.concat([c.inbox, buf.subarray(0, n)]);
    for (let nl = c.inbox.indexOf(10); nl >= 0 && !c.leaving; nl = c.inbox.indexOf(10)) {
      if (nl > MAX_LINE) return sayLast(c, 'error: line too long\n');
      onLine(c, c.inbox.toString('utf8', 0, nl));
      c.inbox = c.inbox.subarray(nl + 1);
    }
    if (!c.leaving && c.inbox.length > MAX_LINE) sayLast(c, 'error: line too long\n');
  };

  loop.addReader(listener, () => {
    for (let fd = sock.accept(listener); fd !== WOULD_BLOCK; fd = sock.accept(listener)) {
      const c: Client = { fd, name: `guest${++guests}`, inbox: Buffer.alloc(0), outbox: [], leaving: false };
      clients.add(c);
      loop.addReader(fd, () => onReadable(c));
      say(c, `welcome ${c.name}\n`);
    }
  });
  const address = sock.getsockname(listener);
  return {
    port: address !== null && address.family !== 'unix' ? address.port : port,
    close() {
      loop.removeReader(listener);
      close(listener);
      for (const c of [...clients]) hangUp(c);
    },
    ioCalls: () => meter.calls(),
  };
}

await runIfMain(import.meta.url, start);
