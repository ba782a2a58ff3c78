/**
 * The operations a completion queue has in flight, keyed by the SQE's user data, without an
 * allocation per operation: a slot array whose entries are reused. An operation's id (its user
 * data) is `sequence × SLOT_SPACE + slot`: a later operation in the same slot has another id,
 * so a late completion of an ended one (a cancelled poll, a send after a cancel) finds no match.
 *
 * Life of an operation: {@link OpTable.add} → completions looked up with {@link OpTable.get} →
 * {@link OpTable.end} when its last completion (no `IORING_CQE_F_MORE`) is reaped (the id stops
 * matching) → {@link OpTable.release} once that completion's callback ran (the slot and the
 * object are reused).
 *
 * @module
 */
import type { SendChunk } from './send-arena.ts';

/** What an operation is, for what its completion carries. */
export enum Kind {
  Plain = 0,
  Recv = 1,
  Send = 2,
  /** An accept: a result ≥ 0 is a new descriptor, closed by the queue if nobody received it. */
  Accept = 3,
}

/** One operation in flight (reused: read it only while it is live or its callback runs). */
export interface Op {
  /** Where it lives in the table (fixed). */
  readonly slot: number;
  /** The SQE's user data; 0 once ended. */
  id: number;
  /** `id`'s low and high 32-bit words, as a CQE carries them (compared as integers while reaping). */
  idLo: number;
  idHi: number;
  /** Added and not released yet. */
  inUse: boolean;
  kind: Kind;
  fd: number;
  cb: ((res: number, more: boolean) => void) | null;
  recvCb: ((res: number, data: Buffer | null, more: boolean) => void) | null;
  chunk: SendChunk | null;
  /** Internal ops (the readiness adapter's polls) run their callback while reaping. */
  immediate: boolean;
}

/** Slots per sequence number: the most operations in flight at once. */
export const SLOT_SPACE = 2 ** 20;
const SLOT_MASK = SLOT_SPACE - 1;
const TWO_32 = 2 ** 32;

/** The table; see the module comment. */
export class OpTable {
  readonly #slots: Op[] = [];
  readonly #free: number[] = [];
  #sequence = 1;
  #live = 0;

  /** Operations added and not ended. */
  get size(): number {
    return this.#live;
  }

  /**
   * A live operation with a fresh id.
   * @throws RangeError when {@link SLOT_SPACE} operations are in flight
   */
  add(kind: Kind, fd: number, immediate: boolean): Op {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.#slots.length;
      if (slot >= SLOT_SPACE) throw new RangeError(`more than ${SLOT_SPACE} io_uring operations in flight`);
      this.#slots.push({
        slot,
        id: 0,
        idLo: 0,
        idHi: 0,
        inUse: false,
        kind,
        fd,
        cb: null,
        recvCb: null,
        chunk: null,
        immediate,
      });
    }
    const op = this.#slots[slot] as Op;
    const id = this.#sequence++ * SLOT_SPACE + slot;
    op.id = id;
    op.idLo = id >>> 0;
    op.idHi = Math.floor(id / TWO_32);
    op.inUse = true;
    op.kind = kind;
    op.fd = fd;
    op.immediate = immediate;
    this.#live++;
    return op;
  }

  /** The live operation whose id is `id`, if any. */
  get(id: number): Op | undefined {
    const op = this.#slots[id % SLOT_SPACE];
    return op !== undefined && op.id === id && id !== 0 ? op : undefined;
  }

  /**
   * The live operation a CQE's user data names, given as its low and high 32-bit words: the
   * reaping loop's lookup, integer operations only (the slot is the low word's low 20 bits).
   */
  lookup(lo: number, hi: number): Op | undefined {
    const op = this.#slots[lo & SLOT_MASK];
    return op !== undefined && op.idLo === lo && op.idHi === hi && op.id !== 0 ? op : undefined;
  }

  /** Its last completion was reaped: its id no longer matches. */
  end(op: Op): void {
    if (op.id === 0) return;
    op.id = 0;
    op.idLo = 0;
    op.idHi = 0;
    this.#live--;
  }

  /** Its last callback ran: the slot and the object may be reused (ends it first if needed). */
  release(op: Op): void {
    if (!op.inUse) return;
    this.end(op);
    op.inUse = false;
    op.cb = null;
    op.recvCb = null;
    op.chunk = null;
    this.#free.push(op.slot);
  }

  /** Forgets everything (the ring is closing). */
  clear(): void {
    this.#slots.length = 0;
    this.#free.length = 0;
    this.#live = 0;
  }
}
