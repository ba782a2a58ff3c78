/**
 * getaddrinfo(3), freeaddrinfo(3) and gai_strerror(3): name → addresses, the C library's way
 * (`/etc/hosts`, DNS, NSS modules, `/etc/gai.conf` ordering: whatever the system is set up to do).
 *
 * **This call blocks**, for as long as a DNS server takes to answer (seconds, when one is down).
 * Call it only in a worker thread: `src/net/resolver.ts` runs it through an `OffloadPool`
 * (`src/loop/offload-pool.ts`). It lives in L0 because it is a native call; the policy of where
 * it may run lives above.
 *
 * ## Choices, and why
 * - `ai_socktype = SOCK_STREAM`: without a socket type the C library returns every address three
 *   times (stream, datagram, raw). The address is the same for UDP; only the list is shorter.
 * - **No `AI_ADDRCONFIG`** by default. It hides addresses of a family the host has no
 *   non-loopback address for, and glibc does not count loopback. Measured on Linux (glibc, a
 *   network namespace whose only interface is `lo`, `/etc/hosts` with `::1 localhost`):
 *   `localhost` with family AF_INET6 gives `::1` without the flag and EAI_NONAME with it.
 *   Containers and CI sandboxes are exactly such hosts, and loopback is what their tests use.
 *   Pass `addrconfig: true` to ask for it.
 * - Results keep the system's order (RFC 6724 sorting, `/etc/gai.conf`), duplicates removed.
 *
 * ## Per-OS data
 * `struct addrinfo` orders two fields differently: Linux puts `ai_addr` before `ai_canonname`,
 * macOS and FreeBSD put `ai_canonname` first. The EAI_* codes differ too (negative on glibc,
 * positive on the BSDs), and so do the AI_* flags. All three are tables below, one per OS.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import { koffi, lastErrno, libc, type OsName, osName } from './binding.ts';
import { sys } from './constants.ts';
import { errnoName } from './errno.ts';
import { decodeSockaddr, type SocketAddress } from './sockaddr.ts';

/** macOS and FreeBSD <netdb.h>: ai_canonname before ai_addr. */
const BSD_FIELD_ORDER = Object.freeze([
  'ai_flags',
  'ai_family',
  'ai_socktype',
  'ai_protocol',
  'ai_addrlen',
  'ai_canonname',
  'ai_addr',
  'ai_next',
]);

/** The fields of `struct addrinfo`, in declaration order, per OS. */
export const addrinfoFieldOrder: Readonly<Record<OsName, readonly string[]>> = Object.freeze({
  // glibc <netdb.h>
  linux: Object.freeze([
    'ai_flags',
    'ai_family',
    'ai_socktype',
    'ai_protocol',
    'ai_addrlen',
    'ai_addr',
    'ai_canonname',
    'ai_next',
  ]),
  darwin: BSD_FIELD_ORDER,
  freebsd: BSD_FIELD_ORDER,
});

const FIELD_TYPES: Readonly<Record<string, string>> = {
  ai_flags: 'int',
  ai_family: 'int',
  ai_socktype: 'int',
  ai_protocol: 'int',
  ai_addrlen: 'uint32_t', // socklen_t
  ai_addr: 'void *',
  ai_canonname: 'void *',
  ai_next: 'void *',
};

/** The getaddrinfo constants of one OS, in their C spelling. */
export interface GaiConstants {
  AF_UNSPEC: number;
  AI_NUMERICHOST: number;
  AI_ADDRCONFIG: number;
  /** EAI_* name → value. */
  errors: Readonly<Record<string, number>>;
}

/** getaddrinfo constants per OS (glibc, macOS and FreeBSD `<netdb.h>`). */
export const gaiConstantsByOs: Readonly<Record<OsName, GaiConstants>> = Object.freeze({
  linux: Object.freeze({
    AF_UNSPEC: 0,
    AI_NUMERICHOST: 0x4,
    AI_ADDRCONFIG: 0x20,
    errors: Object.freeze({
      EAI_BADFLAGS: -1,
      EAI_NONAME: -2,
      EAI_AGAIN: -3,
      EAI_FAIL: -4,
      EAI_NODATA: -5,
      EAI_FAMILY: -6,
      EAI_SOCKTYPE: -7,
      EAI_SERVICE: -8,
      EAI_ADDRFAMILY: -9,
      EAI_MEMORY: -10,
      EAI_SYSTEM: -11,
      EAI_OVERFLOW: -12,
    }),
  }),
  darwin: Object.freeze({ AF_UNSPEC: 0, AI_NUMERICHOST: 0x4, AI_ADDRCONFIG: 0x400, errors: bsdErrors() }),
  freebsd: Object.freeze({ AF_UNSPEC: 0, AI_NUMERICHOST: 0x4, AI_ADDRCONFIG: 0x400, errors: bsdErrors() }),
});

function bsdErrors(): Readonly<Record<string, number>> {
  return Object.freeze({
    EAI_ADDRFAMILY: 1,
    EAI_AGAIN: 2,
    EAI_BADFLAGS: 3,
    EAI_FAIL: 4,
    EAI_FAMILY: 5,
    EAI_MEMORY: 6,
    EAI_NODATA: 7,
    EAI_NONAME: 8,
    EAI_SERVICE: 9,
    EAI_SOCKTYPE: 10,
    EAI_SYSTEM: 11,
    EAI_BADHINTS: 12,
    EAI_PROTOCOL: 13,
    EAI_OVERFLOW: 14,
  });
}

/** The constants of this OS. */
export const gai: GaiConstants = gaiConstantsByOs[osName];

/**
 * A koffi type for `struct addrinfo` in the field order of `os` (anonymous, so tests can build
 * every OS's layout side by side and check their offsets).
 */
export function addrinfoType(os: OsName): ReturnType<typeof koffi.struct> {
  const def: Record<string, string> = {};
  for (const f of addrinfoFieldOrder[os]) {
    const type = FIELD_TYPES[f];
    if (type === undefined) throw new Error(`addrinfoType: no C type for field ${f}`);
    def[f] = type;
  }
  return koffi.struct(def);
}

const AddrInfo = addrinfoType(osName);

const c = {
  getaddrinfo: libc.func('getaddrinfo', 'int', [
    'const char *',
    'const char *',
    koffi.pointer(AddrInfo),
    koffi.out(koffi.pointer('void *')),
  ]),
  freeaddrinfo: libc.func('void freeaddrinfo(void *res)'),
  gai_strerror: libc.func('const char *gai_strerror(int code)'),
};

/** The EAI_* name of a getaddrinfo return value on this OS (`'EAI_<n>'` when unknown). */
export function gaiErrorName(value: number): string {
  for (const [name, v] of Object.entries(gai.errors)) if (v === value) return name;
  return `EAI_${value}`;
}

/**
 * getaddrinfo failed. Shaped like {@link OsError} (`code`, `syscall`), with the EAI_* name as
 * `code` (stable across OSes, unlike the number) and the C library's own words as `detail`.
 */
export class GaiError extends Error {
  /** The EAI_* name, e.g. `'EAI_NONAME'`. */
  readonly code: string;
  /** Always `'getaddrinfo'`. */
  readonly syscall = 'getaddrinfo';
  /** The host asked for. */
  readonly hostname: string;
  /** gai_strerror's text, e.g. `'Name or service not known'`. */
  readonly detail: string;
  /** The raw return value (per OS). */
  readonly eai: number;
  /** For EAI_SYSTEM: the errno name the C library left (else undefined). */
  readonly systemCode: string | undefined;

  /**
   * @param hostname the host asked for
   * @param eai the value getaddrinfo returned
   * @param detail gai_strerror's text
   * @param systemCode for EAI_SYSTEM, the errno name
   */
  constructor(hostname: string, eai: number, detail: string, systemCode?: string) {
    const code = gaiErrorName(eai);
    super(
      `getaddrinfo() failed: ${code} (${detail}${systemCode ? `: ${systemCode}` : ''}) for '${hostname}'`,
    );
    this.name = 'GaiError';
    this.code = code;
    this.hostname = hostname;
    this.detail = detail;
    this.eai = eai;
    this.systemCode = systemCode;
  }
}

/** Options of {@link getaddrinfo}. */
export interface GetaddrinfoOptions {
  /** Only this family (AF_INET / AF_INET6); default both (AF_UNSPEC). */
  family?: 'ipv4' | 'ipv6';
  /** AI_NUMERICHOST: accept only an IP literal, never look anything up (cannot block). */
  numericHost?: boolean;
  /** AI_ADDRCONFIG: see the module comment for why it is off by default. */
  addrconfig?: boolean;
}

/**
 * Resolves `host` to its addresses (port 0), in the order the system gives them, without
 * duplicates. **Blocks**: call it in a worker thread only (see the module comment).
 * @throws GaiError when the name does not resolve (`code` EAI_NONAME, EAI_AGAIN …)
 * @throws InvalidArgumentError for an empty host or one containing a NUL character
 */
export function getaddrinfo(host: string, options: GetaddrinfoOptions = {}): SocketAddress[] {
  if (typeof host !== 'string' || host.length === 0 || host.includes('\0')) {
    throw new InvalidArgumentError(
      `Cannot resolve ${JSON.stringify(host)}: pass a non-empty host name or IP address without NUL characters.`,
    );
  }
  const family =
    options.family === 'ipv4' ? sys.AF_INET : options.family === 'ipv6' ? sys.AF_INET6 : gai.AF_UNSPEC;
  const flags = (options.numericHost ? gai.AI_NUMERICHOST : 0) | (options.addrconfig ? gai.AI_ADDRCONFIG : 0);
  const hints = {
    ai_flags: flags,
    ai_family: family,
    ai_socktype: sys.SOCK_STREAM,
    ai_protocol: 0,
    ai_addrlen: 0,
    ai_addr: null,
    ai_canonname: null,
    ai_next: null,
  };
  const out: unknown[] = [null];
  const r = c.getaddrinfo(host, null, hints, out) as number;
  if (r !== 0) {
    const errno = lastErrno();
    const systemCode = r === gai.errors.EAI_SYSTEM ? errnoName(errno) : undefined;
    throw new GaiError(host, r, c.gai_strerror(r) as string, systemCode);
  }
  const head = out[0];
  const seen = new Set<string>();
  const addresses: SocketAddress[] = [];
  try {
    let p = head;
    while (p !== null && p !== undefined && p !== 0n) {
      const ai = koffi.decode(p, AddrInfo) as { ai_addrlen: number; ai_addr: unknown; ai_next: unknown };
      if (ai.ai_addr !== null && ai.ai_addrlen > 0) {
        // Copy out of C memory before freeaddrinfo.
        const bytes = Buffer.from(new Uint8Array(koffi.view(ai.ai_addr, ai.ai_addrlen)));
        const addr = decodeSockaddr(bytes, bytes.length);
        if (addr !== null && addr.family !== 'unix') {
          const key = `${addr.family}/${addr.address}/${addr.family === 'ipv6' ? (addr.scopeId ?? 0) : 0}`;
          if (!seen.has(key)) {
            seen.add(key);
            addresses.push(addr);
          }
        }
      }
      p = ai.ai_next;
    }
  } finally {
    c.freeaddrinfo(head);
  }
  return addresses;
}
