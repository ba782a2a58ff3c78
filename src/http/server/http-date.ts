/**
 * The `Date` field value (RFC 9110 §6.6.1, IMF-fixdate), formatted at most once per second and
 * shared by every response of that second.
 *
 * @module
 */

let cachedSecond = -1;
let cachedValue = '';

/** The current time as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), cached per second. */
export function httpDate(nowMs: number = Date.now()): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
