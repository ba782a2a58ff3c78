// parseLentRead copies a lent read before the parser keeps any of it: a large read that starts
// a request is copied as head + rest (the body then fills a buffer of its own), a small one
// whole; either way nothing refers to the lent buffer, which the next read overwrites.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpParser } from '../parser/http-parser.ts';
import type { MessageHead } from '../parser/message-head.ts';
import { parseLentRead, SPLIT_READ_BYTES } from './lent-read.ts';

/** A parser that records heads (their X-Tag) and body chunks. */
function recording(): { parser: HttpParser; tags: string[]; chunks: Buffer[] } {
  const tags: string[] = [];
  const chunks: Buffer[] = [];
  const parser = new HttpParser('request', {
    onHead: (h: MessageHead) => {
      tags.push(h.headers.get('x-tag') ?? '');
    },
    onBody: (c) => {
      chunks.push(c);
    },
    onMessageComplete: () => {},
    onError: (e) => {
      throw e;
    },
  });
  return { parser, tags, chunks };
}

function request(tag: string, body: Buffer): Buffer {
  const head = `POST / HTTP/1.1\r\nHost: t\r\nX-Tag: ${tag}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

test('a large read that starts a request: the body fills a buffer of its own; the lent bytes can change', () => {
  const { parser, tags, chunks } = recording();
  const body = Buffer.alloc(SPLIT_READ_BYTES * 2, 5);
  const lent = Buffer.alloc(64 * 1024);
  const req = request('first', body);
  req.copy(lent);
  parseLentRead(parser, lent.subarray(0, req.length));
  lent.fill(0x7a); // the next read
  assert.deepEqual(tags, ['first']);
  assert.equal(chunks.length, 1);
  const [chunk] = chunks;
  assert.ok(chunk?.equals(body), 'the body as sent');
  assert.equal(chunk?.byteOffset, 0);
  assert.equal(chunk?.buffer.byteLength, body.length, 'a buffer of its own');
});

test('a small read, and a read in the middle of a body, are copied whole', () => {
  const { parser, tags, chunks } = recording();
  const lent = Buffer.alloc(64 * 1024);
  const req = request('small', Buffer.alloc(SPLIT_READ_BYTES * 2, 6));
  const cut = 100; // the head and part of the body
  req.copy(lent, 0, 0, cut);
  parseLentRead(parser, lent.subarray(0, cut));
  lent.fill(0x7a);
  req.copy(lent, 0, cut);
  parseLentRead(parser, lent.subarray(0, req.length - cut));
  lent.fill(0x7a);
  assert.deepEqual(tags, ['small']);
  assert.ok(Buffer.concat(chunks).equals(req.subarray(req.indexOf('\r\n\r\n') + 4)), 'the body as sent');
});
