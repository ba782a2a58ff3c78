/**
 * @internal Which of the parent's Node options an OffloadPool worker thread may inherit
 * (src/loop/offload-pool.ts; docs/offload-pool.md).
 *
 * @module
 */

/** Options a worker must not inherit: they describe the main script, not a thread. */
const MAIN_ONLY =
  /^(-e|--eval|-p|--print|--input-type|-c|--check|-i|--interactive|--test|--test-.*|--watch|--watch-.*)$/;
const TAKES_VALUE =
  /^(-e|--eval|-p|--print|--input-type|--watch-path|--test-(name-pattern|skip-pattern|reporter|reporter-destination|timeout|concurrency|shard|isolation|global-setup|coverage-[a-z]+))$/;

/**
 * The parent's Node options minus those about the main script, or null when there are none to
 * drop. A worker inherits the parent's options, and `--input-type=module` (from
 * `node --input-type=module -e …`) makes every worker fail to start (measured,
 * ERR_INPUT_TYPE_NOT_ALLOWED).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | null {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!; // i < execArgv.length
    const [flag = '', value] = arg.split('=', 2); // split returns at least one element
    if (!MAIN_ONLY.test(flag)) {
      out.push(arg);
      continue;
    }
    // `--flag value`: skip the value too.
    if (value === undefined && TAKES_VALUE.test(flag)) i++;
  }
  return out.length === execArgv.length ? null : out;
}
