// IP text parsing and formatting (RFC 4291 text forms in, RFC 5952 canonical text out), and the
// sockaddr_in / sockaddr_in6 / sockaddr_un encodings, round-tripped through the codec.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../testing/seeded-random.ts';
import { sys } from './constants.ts';
import {
  decodeSockaddr,
  encodeSockaddr,
  familyOf,
  formatIpv6,
  parseIpv4,
  parseIpv6,
  type SocketAddress,
} from './sockaddr.ts';

/** 16 bytes from 8 groups. */
function bytesOf(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

describe('parseIpv4', () => {
  test('accepts dotted quads', () => {
    assert.deepEqual([...parseIpv4('127.0.0.1')!], [127, 0, 0, 1]);
    assert.deepEqual([...parseIpv4('0.0.0.0')!], [0, 0, 0, 0]);
    assert.deepEqual([...parseIpv4('255.255.255.255')!], [255, 255, 255, 255]);
  });

  test('rejects everything else (no shorthand, no octal-looking leading zeros)', () => {
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1.2.3.-4',
      '01.2.3.4',
      '1.2.3.4 ',
      ' 1.2.3.4',
      'a.b.c.d',
      '1..3.4',
      '1.2.3.1000',
      '0x7f.0.0.1',
      '127.1',
    ]) {
      assert.equal(parseIpv4(bad), null, `'${bad}' must not parse`);
    }
  });
});

describe('parseIpv6', () => {
  test('parses the text forms of RFC 4291 section 2.2', () => {
    assert.deepEqual(parseIpv6('::'), new Uint8Array(16));
    assert.deepEqual(parseIpv6('::1'), bytesOf([0, 0, 0, 0, 0, 0, 0, 1]));
    assert.deepEqual(parseIpv6('1::'), bytesOf([1, 0, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(
      parseIpv6('2001:DB8::8:800:200C:417A'),
      bytesOf([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]),
    );
    assert.deepEqual(
      parseIpv6('2001:0db8:0000:0000:0000:ff00:0042:8329'),
      bytesOf([0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329]),
    );
    assert.deepEqual(
      parseIpv6('1:2:3:4:5:6:7::'),
      bytesOf([1, 2, 3, 4, 5, 6, 7, 0]),
      ':: may stand for one group',
    );
    assert.deepEqual(parseIpv6('::ffff:192.0.2.128'), bytesOf([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0280]));
    assert.deepEqual(parseIpv6('fe80::1%eth0'), bytesOf([0xfe80, 0, 0, 0, 0, 0, 0, 1]), 'a zone is ignored');
  });

  test('rejects malformed text', () => {
    for (const bad of [
      '',
      ':',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '12345::',
      'g::',
      ':1::',
      '1:',
      '::ffff:1.2.3',
      '::ffff:256.1.1.1',
      '::1.2.3.4:5',
      '%eth0',
      '1.2.3.4',
    ]) {
      assert.equal(parseIpv6(bad), null, `'${bad}' must not parse`);
    }
  });
});

describe('formatIpv6 (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    // 4.1: leading zeros suppressed; 4.3: lowercase.
    ['2001:0DB8:0000:0000:0000:FF00:0042:8329', '2001:db8::ff00:42:8329'],
    // 4.2.2: a single zero group is not shortened.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // 4.2.3: the longest run is shortened; on a tie, the first.
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    // 5: an IPv4-mapped address keeps its dotted tail.
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
  ];
  for (const [input, want] of cases) {
    test(`${input} → ${want}`, () => {
      assert.equal(formatIpv6(parseIpv6(input)!), want);
    });
  }

  test('agrees with the WHATWG URL serializer and round-trips, for random addresses with zero runs', () => {
    const rand = seededRandom(5952);
    for (let n = 0; n < 2000; n++) {
      // Mostly zeros, so runs of every length and position occur.
      const groups = Array.from({ length: 8 }, () => (rand() < 0.5 ? 0 : Math.floor(rand() * 0x10000)));
      const bytes = bytesOf(groups);
      const text = formatIpv6(bytes);
      assert.deepEqual(parseIpv6(text), bytes, `round trip of ${text}`);
      const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
      if (mapped) continue; // URL prints the mapped form in hex; RFC 5952 §5 says dotted.
      const viaUrl = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname;
      assert.equal(`[${text}]`, viaUrl, `groups ${groups.join(',')}`);
    }
  });
});

describe('sockaddr encoding', () => {
  const roundTrip = (addr: SocketAddress): SocketAddress | null => {
    const buf = encodeSockaddr(addr);
    const padded = Buffer.alloc(128);
    buf.copy(padded);
    return decodeSockaddr(padded, buf.length);
  };

  test('IPv4: layout of struct sockaddr_in and round trip', () => {
    const addr: SocketAddress = { family: 'ipv4', address: '192.0.2.33', port: 8080 };
    const buf = encodeSockaddr(addr);
    assert.equal(buf.length, 16, 'sizeof(struct sockaddr_in)');
    if (sys.SOCKADDR_HAS_LEN) assert.deepEqual([buf[0], buf[1]], [16, sys.AF_INET]);
    else assert.equal(buf.readUInt16LE(0), sys.AF_INET);
    assert.equal(buf.readUInt16BE(2), 8080, 'port in network byte order');
    assert.deepEqual([...buf.subarray(4, 8)], [192, 0, 2, 33]);
    assert.deepEqual(roundTrip(addr), addr);
    assert.equal(familyOf(addr), sys.AF_INET);
  });

  test('IPv6: layout of struct sockaddr_in6, scope id and flow info survive', () => {
    const addr: SocketAddress = {
      family: 'ipv6',
      address: 'fe80::1',
      port: 443,
      scopeId: 3,
      flowinfo: 0x12345,
    };
    const buf = encodeSockaddr(addr);
    assert.equal(buf.length, 28, 'sizeof(struct sockaddr_in6)');
    assert.equal(buf.readUInt16BE(2), 443);
    assert.equal(buf.readUInt32BE(4), 0x12345, 'sin6_flowinfo');
    assert.equal(buf.readUInt32LE(24), 3, 'sin6_scope_id');
    assert.deepEqual(roundTrip(addr), addr);
    // Zero scope and flow are left out of the decoded object.
    assert.deepEqual(roundTrip({ family: 'ipv6', address: '::1', port: 1 }), {
      family: 'ipv6',
      address: '::1',
      port: 1,
    });
    // Text is canonicalised on the way back.
    assert.deepEqual(roundTrip({ family: 'ipv6', address: '2001:DB8:0:0::1', port: 2 }), {
      family: 'ipv6',
      address: '2001:db8::1',
      port: 2,
    });
    assert.equal(familyOf(addr), sys.AF_INET6);
  });

  test('Unix: path round trip, unnamed socket, and the path length limit', () => {
    const addr: SocketAddress = { family: 'unix', path: '/tmp/nbio-test.sock' };
    const buf = encodeSockaddr(addr);
    assert.equal(buf.length, 2 + addr.path.length + 1, 'family, path, NUL');
    assert.equal(buf[buf.length - 1], 0);
    assert.deepEqual(roundTrip(addr), addr);
    assert.deepEqual(roundTrip({ family: 'unix', path: '' }), { family: 'unix', path: '' });
    assert.equal(familyOf(addr), sys.AF_UNIX);

    const limit = sys.SOCKADDR_UN_PATH_MAX - 1; // sun_path must hold the NUL too
    const longest = `/${'a'.repeat(limit - 1)}`;
    assert.deepEqual(roundTrip({ family: 'unix', path: longest }), { family: 'unix', path: longest });
    assert.throws(
      () => encodeSockaddr({ family: 'unix', path: `${longest}b` }),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message.includes(`is ${limit + 1} bytes`) &&
        e.message.includes(`the limit here is ${limit}`) &&
        /shorter path/.test(e.message),
    );
    // The limit counts UTF-8 bytes, not characters.
    const multibyte = `/${'é'.repeat(Math.ceil(limit / 2))}`;
    assert.ok(multibyte.length <= limit);
    assert.throws(() => encodeSockaddr({ family: 'unix', path: multibyte }), TypeError);
  });

  test('bad addresses and ports are TypeErrors that name the problem', () => {
    assert.throws(
      () => encodeSockaddr({ family: 'ipv4', address: 'localhost', port: 1 }),
      /not an IPv4 address/,
    );
    assert.throws(
      () => encodeSockaddr({ family: 'ipv6', address: '1.2.3.4', port: 1 }),
      /not an IPv6 address/,
    );
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      assert.throws(
        () => encodeSockaddr({ family: 'ipv4', address: '127.0.0.1', port }),
        (e: unknown) => e instanceof TypeError && /integer from 0 to 65535/.test(e.message),
      );
    }
  });

  test('an unknown family decodes to null', () => {
    const buf = Buffer.alloc(16);
    if (sys.SOCKADDR_HAS_LEN) buf[1] = 0xee;
    else buf.writeUInt16LE(0xeeee, 0);
    assert.equal(decodeSockaddr(buf, 16), null);
  });
});
