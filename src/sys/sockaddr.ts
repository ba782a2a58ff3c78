/**
 * struct sockaddr_in / sockaddr_in6 / sockaddr_un encoding and decoding, and IP text parsing
 * (inet_pton/inet_ntop in TypeScript: no resolver is involved, an address is only parsed).
 *
 * Linux puts a 16-bit family first; the BSDs (macOS, FreeBSD) put a length byte and an 8-bit
 * family. Ports are big-endian everywhere.
 *
 * @module
 */
import { sys } from './constants.ts';

/** An IPv4 endpoint. */
export interface Ipv4Address {
  family: 'ipv4';
  address: string;
  port: number;
}
/** An IPv6 endpoint. */
export interface Ipv6Address {
  family: 'ipv6';
  address: string;
  port: number;
  flowinfo?: number;
  scopeId?: number;
}
/** A Unix-domain socket path (an empty path is an unnamed socket). */
export interface UnixAddress {
  family: 'unix';
  path: string;
}
/** Any socket address nbio handles. */
export type SocketAddress = Ipv4Address | Ipv6Address | UnixAddress;

/** Large enough for any sockaddr nbio decodes (sizeof(struct sockaddr_storage)). */
export const SOCKADDR_STORAGE_SIZE = 128;

/** Parses dotted-quad IPv4 text into 4 bytes, or returns null when it is not one. */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** Parses IPv6 text (with `::` and an embedded IPv4 tail) into 16 bytes, or null. */
export function parseIpv6(text: string): Uint8Array | null {
  let t = text;
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct);
  if (t.length === 0 || t.length > 45) return null;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        const v4View = new DataView(v4.buffer);
        out.push(v4View.getUint16(0), v4View.getUint16(2));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (const [i, group] of all.entries()) {
    out[2 * i] = group >> 8;
    out[2 * i + 1] = group & 0xff;
  }
  return out;
}

/** Formats 16 bytes as RFC 5952 IPv6 text (longest zero run compressed, lowercase). */
export function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < 8; i++) g.push(view.getUint16(2 * i));
  // IPv4-mapped ::ffff:a.b.c.d keeps its dotted tail, as inet_ntop prints it.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The address family constant (AF_*) for an address. */
export function familyOf(addr: SocketAddress): number {
  return addr.family === 'ipv4' ? sys.AF_INET : addr.family === 'ipv6' ? sys.AF_INET6 : sys.AF_UNIX;
}

function writeFamily(buf: Buffer, family: number, len: number): void {
  if (sys.SOCKADDR_HAS_LEN) {
    buf[0] = len;
    buf[1] = family;
  } else {
    buf.writeUInt16LE(family, 0);
  }
}

/**
 * Encodes an address as a C sockaddr. Throws a TypeError naming the bad field when the text
 * is not an IP literal or the port is out of range (names must be resolved first).
 */
export function encodeSockaddr(addr: SocketAddress): Buffer {
  if (addr.family === 'unix') {
    const path = Buffer.from(addr.path, 'utf8');
    if (path.length >= sys.SOCKADDR_UN_PATH_MAX) {
      throw new TypeError(
        `Unix socket path is ${path.length} bytes; the limit here is ${sys.SOCKADDR_UN_PATH_MAX - 1}. Use a shorter path.`,
      );
    }
    const len = 2 + path.length + 1;
    const buf = Buffer.alloc(len);
    writeFamily(buf, sys.AF_UNIX, len);
    path.copy(buf, 2);
    return buf;
  }
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 65535) {
    throw new TypeError(`Port ${addr.port} is out of range: use an integer from 0 to 65535.`);
  }
  if (addr.family === 'ipv4') {
    const ip = parseIpv4(addr.address);
    if (ip === null) throw new TypeError(`'${addr.address}' is not an IPv4 address (a.b.c.d).`);
    const buf = Buffer.alloc(16);
    writeFamily(buf, sys.AF_INET, 16);
    buf.writeUInt16BE(addr.port, 2);
    buf.set(ip, 4);
    return buf;
  }
  const ip = parseIpv6(addr.address);
  if (ip === null) throw new TypeError(`'${addr.address}' is not an IPv6 address.`);
  const buf = Buffer.alloc(28);
  writeFamily(buf, sys.AF_INET6, 28);
  buf.writeUInt16BE(addr.port, 2);
  buf.writeUInt32BE(addr.flowinfo ?? 0, 4);
  buf.set(ip, 8);
  buf.writeUInt32LE(addr.scopeId ?? 0, 24);
  return buf;
}

/** Decodes a C sockaddr of `len` bytes. Returns null for a family nbio does not know. */
export function decodeSockaddr(buf: Buffer, len: number): SocketAddress | null {
  const family = sys.SOCKADDR_HAS_LEN ? buf[1] : buf.readUInt16LE(0);
  if (family === sys.AF_INET) {
    return {
      family: 'ipv4',
      address: `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`,
      port: buf.readUInt16BE(2),
    };
  }
  if (family === sys.AF_INET6) {
    const a: Ipv6Address = {
      family: 'ipv6',
      address: formatIpv6(buf.subarray(8, 24)),
      port: buf.readUInt16BE(2),
    };
    const flow = buf.readUInt32BE(4);
    const scope = buf.readUInt32LE(24);
    if (flow !== 0) a.flowinfo = flow;
    if (scope !== 0) a.scopeId = scope;
    return a;
  }
  if (family === sys.AF_UNIX) {
    let end = 2;
    while (end < len && buf[end] !== 0) end++;
    return { family: 'unix', path: buf.toString('utf8', 2, end) };
  }
  return null;
}
