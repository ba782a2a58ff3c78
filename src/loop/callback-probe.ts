/**
 * The hooks the loop calls around each callback it runs, when a tool watches them: the flight
 * recorder (recorder.ts), the watchdog (watchdog.ts), or both at once (both-probes.ts). With no
 * probe installed the loop pays one `null` check per callback.
 *
 * @module
 */
import type { CallbackRecordKind, Labelled } from './recorder-types.ts';

/** Hooks around each callback the loop runs (the recorder and the watchdog implement it). */
export interface CallbackProbe {
  /**
   * A callback is about to run: its kind, fd (−1 for timers and `callSoon`), function (null:
   * none) and the owner of the fd or of the io_uring operation.
   */
  begin(
    kind: CallbackRecordKind,
    fd: number,
    fn: ((...a: never[]) => void) | null,
    owner: Labelled | null,
  ): void;
  /** The callback that began last has returned (or thrown). */
  end(): void;
}
