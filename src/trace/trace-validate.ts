/**
 * Checks a Chrome trace-event file against the rules of the format ("Trace Event Format":
 * JSON array or `{ traceEvents: [...] }`), as far as a viewer depends on them: known phases,
 * numeric timestamps, `X` events with a duration ≥ 0, `B`/`E` pairs that match per thread,
 * timestamps that never go back on a thread (in file order), slices on one thread that nest
 * or are disjoint, instants with a valid scope, counters with numeric values.
 *
 * @module
 */

const PHASES = new Set(['B', 'E', 'X', 'i', 'I', 'C', 'M', 'b', 'e', 'n', 's', 't', 'f', 'P', 'O', 'N', 'D']);

/** What {@link validateTrace} found. */
export interface TraceCheck {
  /** Broken rules, one sentence each (empty: the trace is valid). */
  readonly problems: string[];
  /** Events by phase. */
  readonly phases: Record<string, number>;
  /** Largest nesting depth of slices seen on one thread. */
  readonly maxDepth: number;
}

interface Ev {
  name?: unknown;
  ph?: unknown;
  ts?: unknown;
  dur?: unknown;
  pid?: unknown;
  tid?: unknown;
  s?: unknown;
  args?: unknown;
}

/** Validates parsed trace JSON; see the module comment. */
export function validateTrace(json: unknown): TraceCheck {
  const problems: string[] = [];
  const phases: Record<string, number> = {};
  const list = Array.isArray(json) ? json : (json as { traceEvents?: unknown })?.traceEvents;
  if (!Array.isArray(list))
    return { problems: ['not a JSON array nor { traceEvents: [...] }'], phases, maxDepth: 0 };
  const lastTs = new Map<string, number>();
  const open = new Map<string, { name: string; end: number }[]>();
  const begun = new Map<string, string[]>();
  let maxDepth = 0;
  const say = (i: number, what: string): void => {
    if (problems.length < 50) problems.push(`event ${i}: ${what}`);
  };
  for (let i = 0; i < list.length; i++) {
    const raw: unknown = list[i];
    const e = raw as Ev;
    if (typeof e !== 'object' || e === null) {
      say(i, 'not an object');
      continue;
    }
    if (typeof e.ph !== 'string' || !PHASES.has(e.ph)) {
      say(i, `unknown phase ${String(e.ph)}`);
      continue;
    }
    phases[e.ph] = (phases[e.ph] ?? 0) + 1;
    if (typeof e.name !== 'string') say(i, 'name is not a string');
    if (!Number.isInteger(e.pid) || !Number.isInteger(e.tid)) say(i, 'pid/tid are not integers');
    if (typeof e.ts !== 'number' || !Number.isFinite(e.ts) || e.ts < 0) {
      say(i, `bad ts ${String(e.ts)}`);
      continue;
    }
    if (e.ph === 'M') continue;
    const track = `${String(e.pid)}/${String(e.tid)}`;
    const prev = lastTs.get(track) ?? 0;
    if (e.ts < prev) say(i, `ts ${e.ts} goes back on thread ${track} (after ${prev})`);
    lastTs.set(track, e.ts);
    const stack = open.get(track) ?? [];
    open.set(track, stack);
    // slices that ended by now are closed (a slice starting exactly at its parent's end is a sibling)
    while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= e.ts) stack.pop();
    if (e.ph === 'X') {
      if (typeof e.dur !== 'number' || !Number.isFinite(e.dur) || e.dur < 0) {
        say(i, `X without a duration ≥ 0`);
        continue;
      }
      const end = e.ts + e.dur;
      const parent = stack[stack.length - 1];
      if (parent !== undefined && end > parent.end) {
        say(
          i,
          `slice '${String(e.name)}' [${e.ts}, ${end}] overlaps '${parent.name}' (ends ${parent.end}) without nesting`,
        );
      }
      stack.push({ name: String(e.name), end });
      maxDepth = Math.max(maxDepth, stack.length);
    } else if (e.ph === 'B') {
      const b = begun.get(track) ?? [];
      b.push(String(e.name));
      begun.set(track, b);
    } else if (e.ph === 'E') {
      const b = begun.get(track);
      if (b === undefined || b.length === 0) say(i, `E without a B on thread ${track}`);
      else b.pop();
    } else if (
      (e.ph === 'i' || e.ph === 'I') &&
      e.s !== undefined &&
      e.s !== 't' &&
      e.s !== 'p' &&
      e.s !== 'g'
    ) {
      say(i, `instant scope ${String(e.s)} is not t, p or g`);
    } else if (e.ph === 'C') {
      const args = e.args as Record<string, unknown> | undefined;
      if (
        typeof args !== 'object' ||
        args === null ||
        Object.values(args).some((v) => typeof v !== 'number')
      ) {
        say(i, 'counter without numeric args');
      }
    }
  }
  for (const [track, b] of begun) if (b.length > 0) problems.push(`thread ${track}: ${b.length} B without E`);
  return { problems, phases, maxDepth };
}
