/**
 * The `Date` field value (RFC 9110 §6.6.1, IMF-fixdate), formatted at most once per second and
 * shared by every response of that second.
 *
 * Reading the wall clock costs 40–60 ns here (as much as a fifth of what the JavaScript of a
 * hello-world response costs beyond parsing), so the server does not read it per response:
 * {@link loopHttpDate} takes the loop's time, which the loop reads once per iteration, and reads
 * the wall clock only when that time has passed the second the cached value was made in.
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

/** A clock read cheaply: the event loop's `time()` (ms, cached for the callbacks of an iteration). */
export interface CachedClock {
  time(): number;
}

/** The clock {@link loopValue} was made on, and the span of its time the value holds for. */
let loopClock: CachedClock | null = null;
let loopFromMs = 0;
let loopUntilMs = -1;
let loopValue = '';

/**
 * The `Date` value for a response sent now, by `clock`'s time: the wall clock is read again
 * only once `clock`'s time has reached the next second of the wall clock (or went back, or it
 * is another clock). Like the loop's time, it may lag the wall clock by the iteration in
 * progress.
 */
export function loopHttpDate(clock: CachedClock): string {
  const now = clock.time();
  if (clock === loopClock && now < loopUntilMs && now >= loopFromMs) return loopValue;
  const wallMs = Date.now();
  loopValue = httpDate(wallMs);
  loopClock = clock;
  loopFromMs = now;
  loopUntilMs = now + (1000 - (wallMs % 1000));
  return loopValue;
}
