/**
 * Two callback probes at once: the flight recorder and the watchdog, both on (the loop installs
 * one probe; this runs both around each callback).
 *
 * @module
 */
import type { CallbackProbe } from './callback-probe.ts';
import type { CallbackRecordKind, Labelled } from './recorder-types.ts';

/** Runs two probes around each callback (recorder and watchdog both on). */
export class BothProbes implements CallbackProbe {
  readonly #a: CallbackProbe;
  readonly #b: CallbackProbe;

  /** @param a runs first on begin, last on end; @param b the inner one */
  constructor(a: CallbackProbe, b: CallbackProbe) {
    this.#a = a;
    this.#b = b;
  }

  /** @inheritDoc */
  begin(
    kind: CallbackRecordKind,
    fd: number,
    fn: ((...a: never[]) => void) | null,
    owner: Labelled | null,
  ): void {
    this.#a.begin(kind, fd, fn, owner);
    this.#b.begin(kind, fd, fn, owner);
  }

  /** @inheritDoc */
  end(): void {
    this.#b.end();
    this.#a.end();
  }
}
