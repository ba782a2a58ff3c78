/**
 * What the benchmarks read about a process from /proc (Linux): CPU seconds (utime+stime of
 * /proc/<pid>/stat, all threads), peak and current RSS (VmHWM, VmRSS of /proc/<pid>/status),
 * and pinning to a core with `taskset`.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

let clkTck = 0;

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime+stime of process `pid` in seconds, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm (field 2) may hold spaces and parentheses: count fields from the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / clockTicks();
}

/** A `Vm*` line of /proc/<pid>/status in KiB (VmHWM = peak RSS, VmRSS = now), or null. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let tasksetPresent: boolean | null = null;

/** True when `taskset` (util-linux) can pin processes here, on two cores or more. */
export function hasTaskset(): boolean {
  if (tasksetPresent === null) {
    if (availableParallelism() < 2) return (tasksetPresent = false);
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      tasksetPresent = true;
    } catch {
      tasksetPresent = false;
    }
  }
  return tasksetPresent;
}

/** The command and arguments that run `cmd args` pinned to `cpu` (unpinned without taskset). */
export function pinned(cpu: number, cmd: string, args: readonly string[]): [string, string[]] {
  return hasTaskset() ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, [...args]];
}

/**
 * Pins this process's main thread to `cpus` (e.g. "0" or "0,1"); returns false when it cannot.
 * Only the main thread: V8's helper threads stay where they are.
 */
export function pinSelf(cpus: string): boolean {
  if (!hasTaskset()) return false;
  try {
    execFileSync('taskset', ['-cp', cpus, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Lets this process's main thread run on every core again (after `pinSelf`). */
export function unpinSelf(): boolean {
  return pinSelf(`0-${availableParallelism() - 1}`);
}
