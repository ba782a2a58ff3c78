/**
 * `parseLentRead`: how the server's connection copies a read it was lent (the transport's own
 * buffer, valid only during `dataReceived`: see `Protocol.copiesData`) before parsing it. A
 * large read that starts a request and holds more than its head is copied in two, the head and
 * the rest, so a body that came with its head lands in a buffer of its own, which
 * `arrayBuffer()`/`bytes()`/`readAll()` then hand out without copying it again; other reads are
 * copied whole. The parser gives the same events however its input is split.
 *
 * @module
 */
import type { HttpParser } from '../parser/http-parser.ts';

/**
 * Reads longer than this that start a request are copied as head + rest; shorter ones whole.
 * The rest is copied with `Buffer.allocUnsafeSlow`, into an `ArrayBuffer` of its own: a body in a
 * view of Node's shared pool would be copied again to be handed out as an `ArrayBuffer`, and
 * which sizes `Buffer.allocUnsafe` takes from that pool changes between Node versions (under
 * 4 KiB on Node 20 and 22, whose pool is 8 KiB; under 32 KiB on Node 24, whose pool is 64 KiB).
 */
export const SPLIT_READ_BYTES = 4096;

/** The empty line that ends a head. */
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** Copies `lent` (see the module comment) and feeds the copy to `parser`. */
export function parseLentRead(parser: HttpParser, lent: Buffer): void {
  const n = lent.length;
  if (n > SPLIT_READ_BYTES && parser.isIdle && !parser.isPaused) {
    const headEnd = lent.indexOf(HEAD_END) + HEAD_END.length;
    if (headEnd > HEAD_END.length && headEnd < n) {
      const head = Buffer.allocUnsafe(headEnd);
      lent.copy(head, 0, 0, headEnd);
      const rest = Buffer.allocUnsafeSlow(n - headEnd); // never from the pool: a buffer of its own
      lent.copy(rest, 0, headEnd, n);
      parser.execute(head);
      parser.execute(rest);
      return;
    }
  }
  const own = Buffer.allocUnsafe(n); // small sizes come from Node's pool slab
  lent.copy(own, 0, 0, n);
  parser.execute(own);
}
