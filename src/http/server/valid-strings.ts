/**
 * `ValidStrings`: strings a check found valid, remembered (up to a bound) so that the field
 * names and values a server sends with every response — `content-type`, `text/plain` — are not
 * scanned byte by byte each time (~40–50 ns each for a dozen characters, measured under tsx).
 * Only strings that passed are added, and only while there is room: the bound keeps a handler
 * that sends ever-new values (ETags, lengths) from growing it, and a full set only means the
 * check runs.
 *
 * @module
 */

/** A bounded set of strings that passed one check; see the module comment. */
export class ValidStrings {
  readonly #set = new Set<string>();
  readonly #maxEntries: number;
  readonly #maxChars: number;

  /**
   * @param maxEntries strings kept at most
   * @param maxChars longer strings are not kept
   */
  constructor(maxEntries: number, maxChars: number) {
    this.#maxEntries = maxEntries;
    this.#maxChars = maxChars;
  }

  /** True when `s` passed the check before. */
  has(s: string): boolean {
    return this.#set.has(s);
  }

  /** Remembers `s` (which just passed the check), if it is short enough and there is room. */
  add(s: string): void {
    if (s.length <= this.#maxChars && this.#set.size < this.#maxEntries) this.#set.add(s);
  }

  /** How many strings are kept. */
  get size(): number {
    return this.#set.size;
  }
}

/** Field names found to be tokens (RFC 9110 §5.1): the same check for every use. */
export const TOKEN_NAMES = new ValidStrings(512, 64);
