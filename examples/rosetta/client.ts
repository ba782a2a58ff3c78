// The Rosetta's client script: three chat clients (A, B, C) driven through one fixed scenario
// against any of the chat servers, recording what each one sent and received. Every step waits
// for the lines it expects before the next begins (no sleeps), so the transcript is the same on
// every run and every server that speaks the protocol of ./chat-server.ts.
// Run: npx tsx examples/rosetta/client.ts <port> [rounds] [--json]   (prints the transcript)
import { EventLoop, openConnection, type StreamReader, type StreamWriter } from 'nbio';
import { isMain, MAX_LINE } from './chat-server.ts';

/** The clients, in the order they join. */
type Name = 'A' | 'B' | 'C';
const NAMES: readonly Name[] = ['A', 'B', 'C'];

/** One step: a client connects, sends a line or disconnects; then some lines are expected. */
interface Step {
  who: Name;
  action: { connect: true } | { send: string } | { disconnect: true };
  /** Lines (or the server's close) each client receives because of this step. */
  expect: Partial<Record<Name, number>>;
}

/** What `client` records when the server closes its connection. */
export const CLOSED = '(closed by the server)';

/** A line of exactly MAX_LINE bytes (accepted) and one of MAX_LINE + 1 (refused). */
export const LONGEST = 'x'.repeat(MAX_LINE);
const TOO_LONG = `${LONGEST}y`;

/** The scenario; the chat part (steps 4–8) runs `rounds` times. */
function scenario(rounds: number): Step[] {
  const chat: Step[] = [
    { who: 'A', action: { send: 'hello' }, expect: { B: 1, C: 1 } },
    { who: 'B', action: { send: '/nick bob' }, expect: { B: 1 } },
    { who: 'B', action: { send: 'hi alice' }, expect: { A: 1, C: 1 } },
    { who: 'C', action: { send: 'hey all' }, expect: { A: 1, B: 1 } },
    { who: 'B', action: { send: LONGEST }, expect: { A: 1, C: 1 } },
  ];
  return [
    { who: 'A', action: { connect: true }, expect: { A: 1 } },
    { who: 'B', action: { connect: true }, expect: { B: 1 } },
    { who: 'C', action: { connect: true }, expect: { C: 1 } },
    ...Array.from({ length: rounds }, () => chat).flat(),
    { who: 'A', action: { send: '/quit' }, expect: { A: 2, B: 1, C: 1 } },
    { who: 'C', action: { disconnect: true }, expect: { B: 1 } },
    { who: 'B', action: { send: TOO_LONG }, expect: { B: 2 } },
  ];
}

/** Options of {@link runTranscript}. */
export interface TranscriptOptions {
  /** The loop to run the clients on (the server's own, say); default: a fresh one, closed after. */
  loop?: EventLoop;
  /** How many times the chat part of the scenario runs; default 1. */
  rounds?: number;
  /** The whole scenario must finish within this many ms; default 10 000. */
  timeoutMs?: number;
}

/** One client: a connection whose received lines are collected as they arrive. */
class Client {
  readonly received: string[] = [];
  /** How many entries of `received` are in the transcript already. */
  reported = 0;
  leaving = false;
  readonly reading: Promise<void>;
  readonly writer: StreamWriter;

  constructor(reader: StreamReader, writer: StreamWriter, changed: () => void) {
    this.writer = writer;
    this.reading = (async () => {
      try {
        for (let line = await reader.readLine(); line.length > 0; line = await reader.readLine()) {
          this.received.push(line.toString().replace(/\n$/, ''));
          changed();
        }
        if (!this.leaving) {
          this.received.push(CLOSED);
          // The server closed: close our side too, as a Node socket does by default
          // (allowHalfOpen: false). A server's close() lingers until it sees our EOF.
          writer.close();
        }
      } catch (err) {
        if (!this.leaving) this.received.push(`(error: ${(err as Error).message})`);
      }
      changed();
    })();
  }
}

/**
 * Connects A, B and C to the chat server on 127.0.0.1:`port` in turn and plays the scenario.
 * @returns the transcript: `X> line` for what client X sent (`X> (connects)`, `X> (disconnects)`),
 *   `X< line` for what it received, in step order (within a step: A, B, C)
 * @throws when the server does not send what a step expects within `timeoutMs` (the message
 *   holds the transcript so far); the connections are closed either way
 */
export async function runTranscript(port: number, options: TranscriptOptions = {}): Promise<string[]> {
  const loop = options.loop ?? new EventLoop();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const transcript: string[] = [];
  const clients = new Map<Name, Client>();
  let wake: (() => void) | null = null;
  const changed = () => wake?.();
  let timedOut = false;
  const timer = loop.callLater(timeoutMs, () => {
    timedOut = true;
    changed();
  });
  const report = () => {
    for (const name of NAMES) {
      const c = clients.get(name);
      while (c !== undefined && c.reported < c.received.length)
        transcript.push(`${name}< ${c.received[c.reported++]}`);
    }
  };
  const until = async (done: () => boolean, what: string) => {
    while (!done()) {
      if (timedOut) {
        report();
        throw new Error(
          `chat transcript: ${what} did not happen within ${timeoutMs} ms. So far:\n${transcript.join('\n')}`,
        );
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const run = async () => {
    const wanted = new Map<Name, number>(NAMES.map((n) => [n, 0]));
    for (const step of scenario(options.rounds ?? 1)) {
      const { who, action } = step;
      if ('connect' in action) {
        transcript.push(`${who}> (connects)`);
        const [reader, writer] = await openConnection(loop, { host: '127.0.0.1', port, timeoutMs });
        clients.set(who, new Client(reader, writer, changed));
      } else if ('send' in action) {
        transcript.push(`${who}> ${action.send}`);
        clients.get(who)!.writer.write(`${action.send}\n`);
      } else {
        transcript.push(`${who}> (disconnects)`);
        const c = clients.get(who)!;
        c.leaving = true;
        c.writer.close();
      }
      for (const [name, n] of Object.entries(step.expect) as [Name, number][])
        wanted.set(name, wanted.get(name)! + n);
      const enough = () => NAMES.every((n) => (clients.get(n)?.received.length ?? 0) >= wanted.get(n)!);
      await until(enough, `the replies to "${transcript.at(-1)!.slice(0, 40)}"`);
      report();
    }
  };
  try {
    await run();
  } finally {
    timer.cancel();
    for (const c of clients.values()) {
      c.leaving = true;
      c.writer.abort();
    }
    await Promise.all([...clients.values()].map((c) => c.reading));
    if (options.loop === undefined) loop.close();
  }
  return transcript;
}

if (isMain(import.meta.url)) {
  const [port, rounds = '1'] = process.argv.slice(2).filter((a) => a !== '--json');
  const transcript = await runTranscript(Number(port), { rounds: Number(rounds) }).catch((err: Error) => {
    console.error(`client.ts: ${err.message}`);
    process.exit(1);
  });
  // --json: the exact transcript for a program (nbio rosetta); else lines a person can read.
  const short = (l: string) => (l.length > 72 ? `${l.slice(0, 60)}… (${l.length - 3} chars)` : l);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(transcript)}\n`);
  else process.stdout.write(`${transcript.map(short).join('\n')}\n`);
}
