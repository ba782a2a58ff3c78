/**
 * `HeaderList`: the fields of one message as offsets into the bytes they arrived in. Names and
 * values become strings only when asked for, so a server that reads two headers of twenty
 * decodes two.
 *
 * @module
 */

/** The fields of a message (or of a chunked body's trailer section), in arrival order. */
export class HeaderList {
  readonly #bytes: Uint8Array;
  /** Four offsets per field: name start, name end, value start, value end. */
  readonly #offsets: readonly number[];
  /** The number of fields. */
  readonly size: number;

  /**
   * @param bytes the bytes the fields are in (kept, not copied)
   * @param offsets name start/end and value start/end of each field, in `bytes`
   * @param size how many fields `offsets` describes
   */
  constructor(bytes: Uint8Array, offsets: readonly number[], size: number) {
    this.#bytes = bytes;
    this.#offsets = offsets;
    this.size = size;
  }

  /** The name of field `i` as it was sent (case kept). */
  name(i: number): string {
    const o = this.#offsets;
    return latin1(this.#bytes, o[4 * i] ?? 0, o[4 * i + 1] ?? 0);
  }

  /** The value of field `i`, without leading and trailing whitespace. */
  value(i: number): string {
    const o = this.#offsets;
    return latin1(this.#bytes, o[4 * i + 2] ?? 0, o[4 * i + 3] ?? 0);
  }

  /** True when the value of field `i` is `s` (compared byte by byte as latin1, nothing decoded). */
  valueIs(i: number, s: string): boolean {
    const o = this.#offsets;
    const start = o[4 * i + 2] ?? 0;
    const n = (o[4 * i + 3] ?? 0) - start;
    if (n !== s.length) return false;
    const b = this.#bytes;
    for (let j = 0; j < n; j++) if (b[start + j] !== s.charCodeAt(j)) return false;
    return true;
  }

  /**
   * True when the value of field `i` is the bytes `v` (as {@link valueIs}, against bytes: a
   * caller that compares with the same value again and again keeps it encoded, and the compare
   * of two byte arrays is about twice as fast here as of bytes with a string's char codes).
   */
  valueBytesAre(i: number, v: Uint8Array): boolean {
    const o = this.#offsets;
    const start = o[4 * i + 2] ?? 0;
    const n = (o[4 * i + 3] ?? 0) - start;
    if (n !== v.length) return false;
    const b = this.#bytes;
    for (let j = 0; j < n; j++) if (b[start + j] !== v[j]) return false;
    return true;
  }

  /** The index of the first field named `name` (ASCII case-insensitive) at or after `from`, or −1. */
  indexOf(name: string, from = 0): number {
    const o = this.#offsets;
    const b = this.#bytes;
    const n = name.length;
    for (let i = from; i < this.size; i++) {
      const s = o[4 * i] ?? 0;
      if ((o[4 * i + 1] ?? 0) - s !== n) continue;
      let j = 0;
      for (; j < n; j++) {
        if (((b[s + j] ?? 0) | 0x20) !== (name.charCodeAt(j) | 0x20)) break;
      }
      if (j === n) return i;
    }
    return -1;
  }

  /** True when a field named `name` is present. */
  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** The values of every field named `name`, joined with `, ` (RFC 9110 §5.3), or null. */
  get(name: string): string | null {
    let i = this.indexOf(name);
    if (i < 0) return null;
    let v = this.value(i);
    while ((i = this.indexOf(name, i + 1)) >= 0) v += `, ${this.value(i)}`;
    return v;
  }

  /** The value of each field named `name`, one entry per field line. */
  getAll(name: string): string[] {
    const out: string[] = [];
    for (let i = this.indexOf(name); i >= 0; i = this.indexOf(name, i + 1)) out.push(this.value(i));
    return out;
  }

  /** `[name, value]` pairs in arrival order, names as sent. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.size; i++) yield [this.name(i), this.value(i)];
  }

  /** A WHATWG `Headers` holding the same fields (built on each call). */
  toHeaders(): Headers {
    const h = new Headers();
    for (let i = 0; i < this.size; i++) h.append(this.name(i), this.value(i));
    return h;
  }

  /** A plain object, lower-case names, repeated fields joined with `, ` (Node's shape). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.size; i++) {
      const k = this.name(i).toLowerCase();
      const v = this.value(i);
      const prev = out[k];
      out[k] = prev === undefined ? v : `${prev}, ${v}`;
    }
    return out;
  }
}

/** Bytes as latin1 text: every byte is one code unit (obs-text survives unchanged). */
function latin1(b: Uint8Array, start: number, end: number): string {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return buf.toString('latin1', start, end);
}
