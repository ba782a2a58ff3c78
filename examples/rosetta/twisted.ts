// The chat server in the Twisted style: a LineReceiver per connection, a Factory that holds
// what the connections share, and listenTCP — the classic Twisted chat, on nbio's loop.
// Run: npx tsx examples/rosetta/twisted.ts [port]     Protocol: see ./chat-server.ts
import type { EventLoop } from 'nbio';
import { Factory, LineReceiver, listenTCP } from 'nbio/twisted';
import { type ChatServer, IoMeter, MAX_LINE, runIfMain } from './chat-server.ts';

class Chat extends LineReceiver {
  override delimiter = '\n';
  override MAX_LENGTH = MAX_LINE;
  name = '';

  get room(): ChatFactory {
    return this.factory as ChatFactory;
  }

  override connectionMade(): void {
    this.room.meter.track(this.transport!.transport);
    this.name = `guest${++this.room.guests}`;
    this.room.clients.add(this);
    this.sendLine(`welcome ${this.name}`);
  }

  override lineReceived(data: Buffer): void {
    const line = data.toString();
    if (line === '/quit') {
      this.sendLine('bye');
      this.transport!.loseConnection();
    } else if (line.startsWith('/nick ')) {
      this.name = line.slice(6);
      this.sendLine(`you are ${this.name}`);
    } else this.room.broadcast(this, `${this.name}: ${line}`);
  }

  override lineLengthExceeded(): void {
    this.sendLine('error: line too long');
    this.transport!.loseConnection();
  }

  override connectionLost(): void {
    this.room.clients.delete(this);
    this.room.broadcast(this, `* ${this.name} left`);
  }
}

class ChatFactory extends Factory {
  override protocol = Chat;
  readonly clients = new Set<Chat>();
  readonly meter = new IoMeter();
  guests = 0;

  broadcast(from: Chat, line: string): void {
    for (const c of this.clients) if (c !== from && !c.transport!.disconnecting) c.sendLine(line);
  }
}

/** Starts the chat server on 127.0.0.1:`port` (0: any free port). */
export async function start(loop: EventLoop, port: number): Promise<ChatServer> {
  const factory = new ChatFactory();
  const listening = listenTCP(loop, port, factory);
  const address = listening.getHost();
  return {
    port: address.type === 'TCP' ? address.port : port,
    close() {
      listening.stopListening();
      listening.server.closeConnections(true);
    },
    ioCalls: () => factory.meter.calls(),
  };
}

await runIfMain(import.meta.url, start);
