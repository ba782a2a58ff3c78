/**
 * Counting this process's open descriptors, so tests can assert that every fd opened was
 * closed exactly once: take {@link openFdCount} before, compare after.
 *
 * @module
 */
import { readdirSync } from 'node:fs';

/** The number of descriptors open in this process now (/proc/self/fd, or /dev/fd on the BSDs). */
export function openFdCount(): number {
  const dir = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';
  // readdirSync opens the directory itself: one extra entry, the same every time.
  return readdirSync(dir).length;
}

/** The open descriptor numbers, for a message when counts differ. */
export function openFds(): number[] {
  const dir = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';
  return readdirSync(dir)
    .map(Number)
    .sort((a, b) => a - b);
}
