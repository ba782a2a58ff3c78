/**
 * The bytes of a response that is made again and again — a handler answering many requests with
 * the same status, fields and short body (`hello world`, a health check, a fixed 404): the head
 * and body are concatenated once, and from the second time on sent as one Buffer encoded once,
 * instead of a new string that the transport encodes for every response. The Date value is part
 * of what must match, so the bytes are made again at most once a second.
 *
 * One response is remembered (the last one made with a string body of at most
 * {@link MEMO_BODY_CHARS} characters, or none): what must match is compared by identity (the
 * fields as the same {@link SerializedFields} object: see serializeFields' memo; the Date as the
 * same string) and by value (status, framing, lengths, the body's text), so a response that
 * differs in anything is made as before. The Buffer is never written to: a transport may keep a
 * reference to it while the socket is full.
 *
 * @module
 */
import { headString, type SerializedFields } from './response-head.ts';

/** Longer bodies are not remembered (their compare costs what it would save). */
export const MEMO_BODY_CHARS = 1024;

type Framing = 'length' | 'chunked' | 'close' | 'none';

let mStatus = -1;
let mFields: SerializedFields | null = null;
let mFraming: Framing = 'none';
let mLength = -1;
let mKeepAlive = false;
let mMinor = -1;
let mDate = '';
let mBody: string | null = null;
let mText = '';
let mBytes: Buffer | null = null;

/**
 * The head (`headString`) followed by `body` (null: none), as a string, or as the Buffer of the
 * same bytes when the last response made was the same. `date` is the Date value (ignored when
 * the fields carry their own).
 */
export function responseBytes(
  status: number,
  fields: SerializedFields,
  framing: Framing,
  length: number,
  keepAlive: boolean,
  requestMinor: number,
  date: string,
  body: string | null,
): string | Buffer {
  if (
    fields === mFields &&
    status === mStatus &&
    length === mLength &&
    framing === mFraming &&
    keepAlive === mKeepAlive &&
    requestMinor === mMinor &&
    (date === mDate || fields.hasDate) &&
    body === mBody
  ) {
    mBytes ??= Buffer.from(mText);
    return mBytes;
  }
  const head = headString(status, fields, framing, length, keepAlive, requestMinor, null, date);
  const text = body === null ? head : head + body;
  if (body === null || body.length <= MEMO_BODY_CHARS) {
    mStatus = status;
    mFields = fields;
    mFraming = framing;
    mLength = length;
    mKeepAlive = keepAlive;
    mMinor = requestMinor;
    mDate = date;
    mBody = body;
    mText = text;
    mBytes = null;
  }
  return text;
}
