/**
 * `HeldWrites`: the writes of one server connection, held while it is corked and sent together
 * when it is uncorked — the responses to a batch of pipelined requests leave in one write
 * instead of one `send` each (the transport sends a small batch with one `send` from its scratch
 * buffer, a larger one with `writev`). Above {@link HOLD_LIMIT_BYTES} held, they are sent at once, so
 * that a handler writing a large body meets the transport's backpressure as it would unheld.
 *
 * @module
 */
import type { Transport } from '../../net/transport.ts';

/** Bytes held at most while corked; above this they are sent at once. */
export const HOLD_LIMIT_BYTES = 64 * 1024;

/** One connection's writes, sent now or held; see the module comment. */
export class HeldWrites {
  #transport: Transport | null = null;
  #corked = false;
  /** Held for a pipeline (see {@link hold}), independently of cork/uncork. */
  #holding = false;
  #held: (Uint8Array | string)[] = [];
  #heldBytes = 0;

  /** The transport the writes go to (set when the connection is made). */
  set transport(t: Transport) {
    this.#transport = t;
  }

  /** From now on, writes are held until {@link uncork}. */
  cork(): void {
    this.#corked = true;
  }

  /** Stops holding (unless {@link hold} holds) and sends what is held. */
  uncork(): void {
    this.#corked = false;
    if (!this.#holding) this.flush();
  }

  /**
   * Holds writes until {@link release}, across turns of the microtask queue: while pipelined
   * requests answered asynchronously are worked through in one turn of the loop.
   */
  hold(): void {
    this.#holding = true;
  }

  /** Ends {@link hold} and sends what is held (unless corked). */
  release(): void {
    this.#holding = false;
    if (!this.#corked) this.flush();
  }

  /** Sends `data` now, or holds it while corked or holding. */
  send(data: Uint8Array | string): void {
    if (!this.#corked && !this.#holding) this.#transport?.write(data);
    else this.#hold(data);
  }

  /** Sends the pieces as one write now, or holds them while corked or holding. */
  sendLines(chunks: readonly (Uint8Array | string)[]): void {
    if (!this.#corked && !this.#holding) this.#write(chunks);
    else for (const c of chunks) this.#hold(c);
  }

  /** Sends what is held now (still corked): before a close, or an error response. */
  flush(): void {
    const held = this.#held;
    if (held.length === 0) return;
    this.#held = [];
    this.#heldBytes = 0;
    const t = this.#transport;
    if (t === null || t.isClosing) return;
    const pieces = held.length === 1 ? held : joinStrings(held);
    if (pieces.length === 1) t.write(pieces[0] as Uint8Array | string);
    else this.#write(pieces);
  }

  #hold(data: Uint8Array | string): void {
    this.#held.push(data);
    this.#heldBytes += data.length;
    if (this.#heldBytes >= HOLD_LIMIT_BYTES) this.flush();
  }

  #write(chunks: readonly (Uint8Array | string)[]): void {
    const t = this.#transport;
    if (t === null) return;
    if (t.writeLines !== undefined) t.writeLines(chunks);
    else for (const c of chunks) t.write(c);
  }
}

/**
 * `chunks` with each run of adjacent strings joined into one (small responses become one
 * string, encoded once, instead of one buffer each in the `writev`).
 */
function joinStrings(chunks: readonly (Uint8Array | string)[]): (Uint8Array | string)[] {
  const out: (Uint8Array | string)[] = [];
  let text = '';
  for (const c of chunks) {
    if (typeof c === 'string') text += c;
    else {
      if (text.length > 0) out.push(text);
      text = '';
      out.push(c);
    }
  }
  if (text.length > 0) out.push(text);
  return out;
}
