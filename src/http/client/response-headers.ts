/**
 * `ResponseHeaders`: the read-only fields of a response with the WHATWG `Headers` reading
 * methods (`get`, `has`, `getSetCookie`, iteration in sorted lower-case order, values of a
 * repeated name joined with ", "). It is built from the decoder's flat list and builds its
 * lookup table only when first asked, so a response nobody inspects costs nothing here.
 * `toHeaders()` gives a real `Headers` for code that needs one.
 *
 * @module
 */

/** See the module comment. */
export class ResponseHeaders implements Iterable<[string, string]> {
  readonly #raw: readonly string[];
  #map: Map<string, string[]> | null = null;

  /** @param raw names and values alternating, as received */
  constructor(raw: readonly string[]) {
    this.#raw = raw;
  }

  /** Names and values alternating, as received (names in their original case). */
  get raw(): readonly string[] {
    return this.#raw;
  }

  /** The value of `name` (any case): repeated fields joined with ", ", or null. */
  get(name: string): string | null {
    const values = this.#lookup().get(name.toLowerCase());
    return values === undefined ? null : values.join(', ');
  }

  /** True when a field `name` (any case) was received. */
  has(name: string): boolean {
    return this.#lookup().has(name.toLowerCase());
  }

  /** Every `Set-Cookie` value, each on its own (they cannot be joined with commas). */
  getSetCookie(): string[] {
    return [...(this.#lookup().get('set-cookie') ?? [])];
  }

  /** [name, value] pairs, names lower-cased and sorted, as `Headers` iterates. */
  *entries(): IterableIterator<[string, string]> {
    const map = this.#lookup();
    for (const name of [...map.keys()].sort()) {
      const values = map.get(name) as string[];
      if (name === 'set-cookie') for (const v of values) yield [name, v];
      else yield [name, values.join(', ')];
    }
  }

  /** The names, lower-cased and sorted. */
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  /** The values, in the order of {@link keys}. */
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  /** Calls `fn(value, name, this)` for each entry. */
  forEach(fn: (value: string, name: string, headers: ResponseHeaders) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** A WHATWG `Headers` with the same fields. */
  toHeaders(): Headers {
    const h = new Headers();
    for (let i = 0; i < this.#raw.length; i += 2)
      h.append(this.#raw[i] as string, this.#raw[i + 1] as string);
    return h;
  }

  #lookup(): Map<string, string[]> {
    let map = this.#map;
    if (map === null) {
      map = new Map();
      for (let i = 0; i < this.#raw.length; i += 2) {
        const name = (this.#raw[i] as string).toLowerCase();
        const value = this.#raw[i + 1] as string;
        const list = map.get(name);
        if (list === undefined) map.set(name, [value]);
        else list.push(value);
      }
      this.#map = map;
    }
    return map;
  }
}
