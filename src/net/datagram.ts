/**
 * UDP endpoints: a datagram socket made non-blocking by nbio, read on readiness, with a
 * {@link DatagramProtocol} (asyncio's `DatagramProtocol`) and a {@link DatagramTransport}.
 *
 * ## State machine (asyncio's)
 * `start → connectionMade → (datagramReceived | errorReceived)* → connectionLost → end`
 * - `connectionMade(transport)` runs on the loop's next iteration; reading starts after it.
 * - `datagramReceived(data, from)`: one datagram, in a fresh Buffer the protocol may keep.
 * - `errorReceived(err)`: an OsError the socket reported (ECONNREFUSED after an ICMP "port
 *   unreachable" on a connected socket, EMSGSIZE for a datagram too large …). The endpoint
 *   stays open: UDP errors concern one datagram, not the socket.
 * - `connectionLost(err?)` runs exactly once, last, after `close()` (once queued datagrams are
 *   sent) or `abort()` (queued datagrams dropped).
 * - `pauseWriting()`/`resumeWriting()` bracket the time more than 64 KiB wait in the send queue.
 * - `loop.close()` aborts every endpoint: its descriptor is closed and `connectionLost()` runs
 *   at once, inside `close()` (no loop turn follows); an endpoint whose `connectionMade` never
 *   ran gets neither callback.
 *
 * ## Sending and receiving
 * `sendto` tries the socket at once; only when the kernel's buffer is full (would-block) is the
 * datagram copied into a queue, flushed in order when the socket turns writable. On a readable
 * event up to {@link MAX_DATAGRAMS_PER_READ} datagrams are read into one 64 KiB buffer (the
 * largest UDP payload fits), so one busy socket cannot starve the loop.
 *
 * Creation is synchronous and takes IP literals (and `'localhost'`, meaning 127.0.0.1, or ::1
 * with family 'ipv6'); resolve other names first with `resolve()` from resolver.ts. An existing
 * datagram socket can be adopted instead (`sock`, as asyncio's `sock=`), Unix ones included.
 *
 * @module
 */
import { ClosedResourceError, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { sys } from '../sys/constants.ts';
import { OsError } from '../sys/errno.ts';
import { close as closeFd, isOpen, setNonBlocking } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import {
  connect,
  describe,
  getpeername,
  getsockname,
  recvfrom,
  send,
  sendto,
  setIntOption,
  socket,
  WOULD_BLOCK,
} from '../sys/socket.ts';
import {
  bindOrExplain,
  checkDestination,
  type DatagramEndpointOptions,
  endpointAddress,
} from './datagram-options.ts';
import type {
  DatagramProtocol,
  DatagramProtocolFactory,
  DatagramTransport,
  DatagramTransportStats,
} from './datagram-protocol.ts';
import type { ExtraInfo } from './transport.ts';

export type { DatagramEndpointOptions, HostPort } from './datagram-options.ts';
export type {
  DatagramProtocol,
  DatagramProtocolFactory,
  DatagramTransport,
  DatagramTransportStats,
} from './datagram-protocol.ts';

/** Datagrams read per readable event at most (libuv's uv__udp_recvmsg reads 32, for fairness). */
export const MAX_DATAGRAMS_PER_READ = 32;
/** 64 KiB: larger than any UDP payload (65,507 bytes over IPv4). */
const RECV_BUFFER_SIZE = 64 * 1024;
const HIGH_WATER = 64 * 1024;
const LOW_WATER = 16 * 1024;
/** Shared by every endpoint: each datagram is copied out before the next read. */
const recvBuffer = Buffer.allocUnsafe(RECV_BUFFER_SIZE);

/**
 * Creates a UDP endpoint: socket, options, bind, connect, all synchronous.
 * @throws InvalidArgumentError for bad options or a host name (resolve it first);
 *   AddressInUseError when the local address is taken; OsError for other socket failures
 * @example
 * const t = createDatagramEndpoint(loop, () => ({
 *   datagramReceived(data, from) { t.sendto(data, from); }, // echo
 * }), { localAddress: { host: '127.0.0.1', port: 0 } });
 */
export function createDatagramEndpoint(
  loop: EventLoop,
  protocolFactory: DatagramProtocolFactory,
  options: DatagramEndpointOptions = {},
): DatagramTransport {
  if (typeof protocolFactory !== 'function') {
    throw new InvalidArgumentError('Cannot create a datagram endpoint: protocolFactory is not a function.');
  }
  if (options.sock !== undefined) return adopt(loop, protocolFactory, options);
  if (options.family !== undefined && options.family !== 'ipv4' && options.family !== 'ipv6') {
    throw new InvalidArgumentError(`Invalid family ${JSON.stringify(options.family)}: use 'ipv4' or 'ipv6'.`);
  }
  const local = options.localAddress && endpointAddress('localAddress', options.localAddress, options.family);
  const remote =
    options.remoteAddress && endpointAddress('remoteAddress', options.remoteAddress, options.family);
  const family = local?.family ?? remote?.family ?? options.family ?? 'ipv4';
  if (local && remote && local.family !== remote.family) {
    throw new InvalidArgumentError(
      `Cannot bind to ${describe(local)} and connect to ${describe(remote)}: the addresses are of different families.`,
    );
  }
  const fd = socket(family === 'ipv4' ? sys.AF_INET : sys.AF_INET6, 'dgram');
  let protocol: DatagramProtocol;
  try {
    if (options.reuseAddress) setIntOption(fd, sys.SOL_SOCKET, sys.SO_REUSEADDR, 1);
    if (local) bindOrExplain(fd, local);
    if (remote) connect(fd, remote); // UDP connect only records the peer: it never waits
    protocol = protocolFactory();
  } catch (err) {
    closeFd(fd);
    throw err;
  }
  return new UdpTransport(loop, fd, family, protocol, remote ?? null);
}

function adopt(
  loop: EventLoop,
  protocolFactory: DatagramProtocolFactory,
  options: DatagramEndpointOptions,
): DatagramTransport {
  const fd = options.sock as number;
  const others = (['localAddress', 'remoteAddress', 'family', 'reuseAddress'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (others.length > 0) {
    throw new InvalidArgumentError(
      `Cannot combine sock with ${others.join(', ')}: bind/connect the socket yourself, or leave sock out.`,
    );
  }
  if (!Number.isInteger(fd) || fd < 0 || !isOpen(fd)) {
    throw new InvalidArgumentError(`Invalid sock ${fd}: pass an open datagram socket descriptor.`);
  }
  const local = getsockname(fd);
  if (local === null) throw new InvalidArgumentError(`Invalid sock ${fd}: not an IPv4, IPv6 or Unix socket.`);
  let remote: SocketAddress | null = null;
  try {
    remote = getpeername(fd);
  } catch (err) {
    if (!(err instanceof OsError && err.code === 'ENOTCONN')) throw err;
  }
  setNonBlocking(fd);
  return new UdpTransport(loop, fd, local.family, protocolFactory(), remote);
}

interface Queued {
  data: Buffer;
  to: SocketAddress | null;
}

/** The one DatagramTransport implementation. */
class UdpTransport implements DatagramTransport {
  readonly #loop: EventLoop;
  readonly #family: SocketAddress['family'];
  readonly #protocol: DatagramProtocol;
  readonly #remote: SocketAddress | null;
  #fd: number;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #queue: Queued[] = [];
  #buffered = 0;
  #writerAdded = false;
  #writePaused = false;
  #datagramsSent = 0;
  #datagramsReceived = 0;
  #bytesSent = 0;
  #bytesReceived = 0;
  #errors = 0;
  #started = false;
  #lostDelivered = false;
  #unregisterLoopClose: (() => void) | null = null;

  constructor(
    loop: EventLoop,
    fd: number,
    family: SocketAddress['family'],
    protocol: DatagramProtocol,
    remote: SocketAddress | null,
  ) {
    this.#loop = loop;
    this.#fd = fd;
    this.#family = family;
    this.#protocol = protocol;
    this.#remote = remote;
    loop.callSoon(() => {
      this.#started = true;
      this.#call('connectionMade', () => protocol.connectionMade?.(this));
      if (this.#state === 'open') loop.addReader(this.#fd, this.#onReadable);
    });
    this.#unregisterLoopClose = loop.onClose(this.#onLoopClose);
  }

  get bufferedAmount(): number {
    return this.#buffered;
  }

  get isClosing(): boolean {
    return this.#state !== 'open';
  }

  sendto(data: Uint8Array | string, to?: SocketAddress): void {
    if (this.#state !== 'open') {
      throw new ClosedResourceError('Cannot send on a datagram endpoint after close() or abort().');
    }
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidArgumentError('Cannot send: data must be a Buffer, a Uint8Array or a string.');
    }
    const dest = this.#destination(to);
    if (this.#queue.length === 0) {
      const n = this.#trySend(bytes, dest);
      if (n !== WOULD_BLOCK) return;
    }
    // Copy: the caller may reuse its buffer as soon as sendto returns.
    this.#queue.push({ data: Buffer.from(bytes), to: dest });
    this.#buffered += bytes.length;
    if (!this.#writerAdded) {
      this.#loop.addWriter(this.#fd, this.#onWritable);
      this.#writerAdded = true;
    }
    if (!this.#writePaused && this.#buffered > HIGH_WATER) {
      this.#writePaused = true;
      this.#call('pauseWriting', () => this.#protocol.pauseWriting?.());
    }
  }

  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#loop.removeReader(this.#fd);
    if (this.#queue.length === 0) this.#finish();
  }

  abort(): void {
    if (this.#state === 'closed') return;
    this.#queue = [];
    this.#buffered = 0;
    this.#finish();
  }

  getExtraInfo<K extends 'sockname' | 'peername' | 'fd'>(name: K): ExtraInfo[K] {
    if (name === 'fd') return this.#fd as ExtraInfo[K];
    if (name === 'peername') return this.#remote as ExtraInfo[K];
    return (this.#fd < 0 ? null : getsockname(this.#fd)) as ExtraInfo[K];
  }

  stats(): DatagramTransportStats {
    return Object.freeze({
      fd: this.#fd,
      datagramsSent: this.#datagramsSent,
      datagramsReceived: this.#datagramsReceived,
      bytesSent: this.#bytesSent,
      bytesReceived: this.#bytesReceived,
      bufferedAmount: this.#buffered,
      queuedDatagrams: this.#queue.length,
      errors: this.#errors,
      isClosing: this.isClosing,
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  /** null means "the connected peer" (send() rather than sendto()). */
  #destination(to: SocketAddress | undefined): SocketAddress | null {
    if (to === undefined) {
      if (this.#remote !== null) return null;
      throw new InvalidArgumentError(
        'Cannot send without an address: this endpoint is not connected. Pass `to`, or create it with remoteAddress.',
      );
    }
    const addr = checkDestination(to, this.#family);
    if (this.#remote === null) return addr;
    if (describe(addr) !== describe(this.#remote)) {
      throw new InvalidArgumentError(
        `Cannot send to ${describe(addr)}: this endpoint is connected to ${describe(this.#remote)}. Leave \`to\` out.`,
      );
    }
    return null;
  }

  /** One send attempt. @returns bytes sent, WOULD_BLOCK, or 0 after reporting an error */
  #trySend(bytes: Uint8Array, dest: SocketAddress | null): number {
    try {
      const n = dest === null ? send(this.#fd, bytes) : sendto(this.#fd, bytes, dest);
      if (n === WOULD_BLOCK) return WOULD_BLOCK;
      this.#datagramsSent++;
      this.#bytesSent += n;
      return n;
    } catch (err) {
      this.#reportError(err); // the datagram is dropped, as the kernel would have
      return 0;
    }
  }

  #onWritable = (): void => {
    while (this.#queue.length > 0) {
      const q = this.#queue[0]!; // the queue is not empty
      if (this.#trySend(q.data, q.to) === WOULD_BLOCK) return;
      this.#queue.shift();
      this.#buffered -= q.data.length;
      if (this.#writePaused && this.#buffered <= LOW_WATER) {
        this.#writePaused = false;
        this.#call('resumeWriting', () => this.#protocol.resumeWriting?.());
      }
      if (this.#state === 'closed') return; // a callback aborted us
    }
    this.#loop.removeWriter(this.#fd);
    this.#writerAdded = false;
    if (this.#state === 'closing') this.#finish();
  };

  #onReadable = (): void => {
    // A userspace kqueue read (and so cleared) SO_ERROR to report it: recvfrom would not see it.
    const soError = this.#loop.selector.takeSocketError?.(this.#fd) ?? 0;
    if (soError !== 0) this.#reportError(new OsError('recvfrom', soError));
    for (let i = 0; i < MAX_DATAGRAMS_PER_READ && this.#state === 'open'; i++) {
      let r: ReturnType<typeof recvfrom>;
      try {
        r = recvfrom(this.#fd, recvBuffer);
      } catch (err) {
        // ECONNREFUSED (ICMP port unreachable on a connected socket) and the like: reported
        // once (reading clears it), and the endpoint stays open.
        this.#reportError(err);
        return;
      }
      if (r === WOULD_BLOCK) return;
      const data = Buffer.from(recvBuffer.subarray(0, r.bytes));
      // An unnamed Unix peer has no address: report the connected one, or an empty path.
      const from = r.from ?? this.#remote ?? { family: 'unix', path: '' };
      this.#datagramsReceived++;
      this.#bytesReceived += r.bytes;
      this.#call('datagramReceived', () => this.#protocol.datagramReceived(data, from));
    }
  };

  #reportError(err: unknown): void {
    this.#errors++;
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.#protocol.errorReceived) this.#call('errorReceived', () => this.#protocol.errorReceived?.(e));
    else this.#loop.reportException(e, 'datagram endpoint (the protocol has no errorReceived)', this.#fd);
  }

  /** loop.close(): abort now and tell the protocol at once (nothing runs after close). */
  #onLoopClose = (): void => {
    if (this.#state !== 'closed') {
      this.#queue = [];
      this.#buffered = 0;
      this.#finish(true);
    } else this.#deliverLost();
  };

  #deliverLost = (): void => {
    if (this.#lostDelivered) return;
    this.#lostDelivered = true;
    this.#unregisterLoopClose?.();
    this.#unregisterLoopClose = null;
    if (this.#started) this.#call('connectionLost', () => this.#protocol.connectionLost?.());
  };

  #finish(lostNow = false): void {
    const fd = this.#fd;
    this.#state = 'closed';
    this.#fd = -1;
    this.#loop.removeReader(fd);
    if (this.#writerAdded) this.#loop.removeWriter(fd);
    this.#writerAdded = false;
    closeFd(fd);
    if (lostNow) this.#deliverLost();
    else if (!this.#loop.isClosed) this.#loop.callSoon(this.#deliverLost);
  }

  /** Runs a protocol callback; a throw is reported with context and the loop goes on. */
  #call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#loop.reportException(err, `DatagramProtocol.${what}`, this.#fd);
    }
  }
}
