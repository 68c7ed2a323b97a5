/**
 * Seeds and run counts of the property and fuzz suites. The seed is fixed by default so a failure in CI
 * reproduces; `FUZZ_SEED=<n>` explores other inputs (a failure prints its seed and path; `FUZZ_PATH`
 * replays exactly that counterexample), `FUZZ_SCALE=<x>` multiplies every suite's run count.
 */
export const DEFAULT_FUZZ_SEED = 20_261_204;

export function fuzzSeed(suite: string): number {
  const text = process.env.FUZZ_SEED;
  const seed = text === undefined || text === '' ? DEFAULT_FUZZ_SEED : Number(text);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, received ${text}`);
  console.log(`${suite}: fast-check seed ${seed} (rerun with FUZZ_SEED=${seed})`);
  return seed;
}

/** `{ path }` when FUZZ_PATH asks to replay one counterexample (with its FUZZ_SEED). */
export function replayPath(): { path?: string } {
  const path = process.env.FUZZ_PATH;
  return path ? { path } : {};
}

/** `runs` scaled by FUZZ_SCALE (default 1), at least 1. */
export function fuzzRuns(runs: number): number {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  if (!(scale > 0))
    throw new Error(`FUZZ_SCALE must be a positive number, received ${process.env.FUZZ_SCALE}`);
  return Math.max(1, Math.round(runs * scale));
}

/**
 * A fast-check reporter that fails with a SHORT description of the counterexample (fast-check's own
 * report prints it whole, megabytes for an oversized body), its seed and path to replay it, and the
 * error it raised.
 */
export function shortReport<Ts extends unknown[]>(describe: (...values: Ts) => string) {
  return (details: {
    failed: boolean;
    numRuns: number;
    seed: number;
    counterexample: Ts | null;
    counterexamplePath: string | null;
    errorInstance: unknown;
  }) => {
    if (!details.failed) return;
    const example = details.counterexample ? describe(...details.counterexample) : '(none)';
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `property failed after ${details.numRuns} runs; replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}\n` +
        `counterexample: ${example}\ncause: ${cause.slice(0, 2000)}`,
    );
  };
}
