/**
 * Names the hosts file answers, without the resolver's worker thread: the first lookup of
 * `localhost` then costs no thread start (which under tsx compiles nbio again, ~1 s on a busy
 * machine), and a process that only talks to names in `/etc/hosts` starts no resolver at all.
 *
 * The answer must be the one `getaddrinfo(3)` would give, so this answers only when that is
 * certain, and otherwise returns null (the worker asks the C library):
 * - `/etc/nsswitch.conf`'s `hosts:` line names `files` first (glibc then asks the hosts file
 *   before anything else, and stops when it has the name). No nsswitch.conf (macOS, musl), or
 *   another source first (`resolve`, `myhostname`, `dns` …): null.
 * - The name (or an alias, case-insensitively, as glibc compares) has exactly **one** address
 *   of the asked family in the hosts file. Two or more (`127.0.0.1` and `::1` for localhost on
 *   many systems) are sorted by getaddrinfo's RFC 6724 rules and `/etc/gai.conf`: null. None:
 *   null (glibc goes on to the next source).
 *
 * The hosts file is read again when its modification time or size changes (one `stat` per
 * lookup of a name); nsswitch.conf is read once per process.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { parseIpv4, type SocketAddress } from '../sys/sockaddr.ts';
import { ipLiteralAddress } from './address.ts';

/** Where the files are (tests point them elsewhere). */
export interface HostsFiles {
  /** Default `/etc/hosts`. */
  hosts: string;
  /** Default `/etc/nsswitch.conf`. */
  nsswitch: string;
}

const SYSTEM_FILES: HostsFiles = { hosts: '/etc/hosts', nsswitch: '/etc/nsswitch.conf' };

/** nsswitch.conf's verdict per path: does `hosts:` start with `files`? */
const filesFirstByPath = new Map<string, boolean>();
/** The parsed hosts file per path, with the stat it was read at. */
const hostsByPath = new Map<string, { mtimeMs: number; size: number; names: Map<string, SocketAddress[]> }>();

/**
 * The hosts file's answer for `name` when it is certainly getaddrinfo's (see the module
 * comment): one address, port 0. Null when the C library must be asked.
 */
export function hostsFileAnswer(
  name: string,
  family: 'ipv4' | 'ipv6' | undefined,
  files: HostsFiles = SYSTEM_FILES,
): SocketAddress | null {
  if (!filesFirst(files.nsswitch)) return null;
  const all = hostsNames(files.hosts)?.get(name.toLowerCase());
  if (all === undefined) return null;
  const matching = family === undefined ? all : all.filter((a) => a.family === family);
  const only = matching.length === 1 ? (matching[0] as SocketAddress) : null;
  return only?.family === 'unix' ? null : only; // 'unix': a line whose address we leave to the C library
}

/** True when nsswitch.conf's `hosts:` line names `files` as its first source. */
function filesFirst(path: string): boolean {
  let verdict = filesFirstByPath.get(path);
  if (verdict === undefined) {
    verdict = false;
    try {
      for (const raw of readFileSync(path, 'utf8').split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        const m = /^hosts\s*:\s*(\S+)/.exec(line);
        if (m !== null) verdict = m[1] === 'files';
      }
    } catch {
      verdict = false; // no nsswitch.conf: the C library's own order, which we do not guess
    }
    filesFirstByPath.set(path, verdict);
  }
  return verdict;
}

/** The hosts file as name → addresses (in file order, duplicates removed); null if unreadable. */
function hostsNames(path: string): Map<string, SocketAddress[]> | null {
  let st: { mtimeMs: number; size: number };
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  const cached = hostsByPath.get(path);
  if (cached !== undefined && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.names;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const names = parseHosts(text);
  hostsByPath.set(path, { mtimeMs: st.mtimeMs, size: st.size, names });
  return names;
}

/** `address name [aliases…]` lines; `#` starts a comment; an unusable address skips its line. */
function parseHosts(text: string): Map<string, SocketAddress[]> {
  const names = new Map<string, SocketAddress[]>();
  for (const raw of text.split('\n')) {
    const [ip = '', ...hostNames] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (hostNames.length === 0) continue;
    let address: SocketAddress | null;
    try {
      address = ip.startsWith('[') ? null : ipLiteralAddress(ip, 0);
      const v4 = address?.family === 'ipv4' ? parseIpv4(ip) : null;
      if (v4 !== null) address = { family: 'ipv4', address: v4.join('.'), port: 0 }; // inet_ntop's spelling
    } catch {
      address = null; // an IPv6 zone by interface name: left to the C library
    }
    for (const n of hostNames) {
      const key = n.toLowerCase();
      const list = names.get(key) ?? [];
      // An unusable address still counts, so the name falls back to getaddrinfo.
      const entry = address ?? { family: 'unix' as const, path: ip };
      if (!list.some((a) => sameAddress(a, entry))) list.push(entry);
      names.set(key, list);
    }
  }
  return names;
}

function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  if (a.family === 'unix') return b.family === 'unix' && a.path === b.path;
  return a.family === b.family && a.address === (b as { address?: string }).address;
}
