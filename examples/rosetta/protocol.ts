// The chat server in the Transport/Protocol style (asyncio's Protocol, Twisted's IProtocol):
// one protocol object per connection, told when it is made, when bytes arrive and when it is
// lost; the transport does the non-blocking reads, the buffered writes and the closing.
// Run: npx tsx examples/rosetta/protocol.ts [port]     Protocol: see ./chat-server.ts
import { createServer, type EventLoop, type Protocol, type Transport } from 'nbio';
import { type ChatServer, IoMeter, MAX_LINE, runIfMain } from './chat-server.ts';

class Room {
  readonly members = new Set<Chat>();
  readonly meter = new IoMeter();
  guests = 0;

  broadcast(from: Chat, text: string): void {
    for (const m of this.members) if (m !== from) m.send(text);
  }
}

class Chat implements Protocol {
  readonly #room: Room;
  #transport!: Transport;
  #name = '';
  #pending = Buffer.alloc(0); // bytes received, not yet a whole line

  constructor(room: Room) {
    this.#room = room;
  }

  send(text: string): void {
    if (!this.#transport.isClosing) this.#transport.write(text);
  }

  connectionMade(transport: Transport): void {
    this.#transport = transport;
    this.#room.meter.track(transport);
    this.#name = `guest${++this.#room.guests}`;
    this.#room.members.add(this);
    this.send(`welcome ${this.#name}\n`);
  }

  dataReceived(data: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, data]);
    let nl = this.#pending.indexOf('\n');
    while (nl >= 0 && nl <= MAX_LINE && !this.#transport.isClosing) {
      this.#lineReceived(this.#pending.toString('utf8', 0, nl));
      this.#pending = this.#pending.subarray(nl + 1);
      nl = this.#pending.indexOf('\n');
    }
    if (nl > MAX_LINE || (nl < 0 && this.#pending.length > MAX_LINE)) this.#hangUp('error: line too long\n');
  }

  connectionLost(): void {
    this.#leave();
  }

  #lineReceived(line: string): void {
    if (line === '/quit') this.#hangUp('bye\n');
    else if (line.startsWith('/nick ')) {
      this.#name = line.slice(6);
      this.send(`you are ${this.#name}\n`);
    } else this.#room.broadcast(this, `${this.#name}: ${line}\n`);
  }

  #hangUp(lastWords: string): void {
    this.send(lastWords);
    this.#transport.close(); // sends what is buffered first
    this.#leave();
  }

  #leave(): void {
    if (this.#room.members.delete(this)) this.#room.broadcast(this, `* ${this.#name} left\n`);
  }
}

/** Starts the chat server on 127.0.0.1:`port` (0: any free port). */
export async function start(loop: EventLoop, port: number): Promise<ChatServer> {
  const room = new Room();
  const server = createServer(loop, () => new Chat(room), { host: '127.0.0.1', port });
  const address = server.address();
  return {
    port: address.family === 'unix' ? port : address.port,
    close() {
      server.close();
      server.closeConnections(true);
    },
    ioCalls: () => room.meter.calls(),
  };
}

await runIfMain(import.meta.url, start);
