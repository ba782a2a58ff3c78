/**
 * Byte classes of RFC 9110 §5.6.2 and RFC 9112 as lookup tables (one array read per byte).
 *
 * @module
 */

function table(accept: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accept(b) ? 1 : 0;
  return t;
}

const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

/** `tchar` (RFC 9110 §5.6.2): the bytes of a method or a field name. */
export const TCHAR = table(
  (b) =>
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    TCHAR_SYMBOLS.includes(String.fromCharCode(b)),
);

/**
 * Bytes of a field value (RFC 9110 §5.5): HTAB, SP, VCHAR and obs-text. Not NUL, CR, LF, other
 * controls or DEL.
 */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f));

/**
 * Bytes of a request target: visible ASCII (RFC 9112 §3.2 builds every form from URI characters,
 * RFC 3986, which are all VCHAR). No space, controls, DEL or non-ASCII bytes.
 */
export const TARGET = table((b) => b >= 0x21 && b <= 0x7e);

/** Hex digit values, −1 for anything else. */
export const HEX = Int8Array.from({ length: 256 }, (_, b) => {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  return -1;
});

/** CR, LF, SP, HTAB, colon, semicolon. */
export const CR = 0x0d;
/** Line feed. */
export const LF = 0x0a;
/** Space. */
export const SP = 0x20;
/** Horizontal tab. */
export const HTAB = 0x09;
/** `:` */
export const COLON = 0x3a;
/** `;` */
export const SEMICOLON = 0x3b;
