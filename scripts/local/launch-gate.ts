/**
 * A host-wide bound on environments initialising at once (bounded parallel cold starts).
 *
 * Why: on real Lambda every cold start gets its own share of a fleet; here they all share this
 * machine's cores. Measured on 2 busy cores (two CPU hogs beside it): one environment of a processor
 * bundle initialises in ~0.3 s, 16 forked at once take ~6 s each and 32 at once up to ~7 s — the
 * CPU is split evenly, so all of them finish late together, and a cold batch that fans out to 32
 * environments had every init past Lambda's 10 s limit. Started a few at a time, each one is ready
 * in about its solo time and the first ones already serve while the rest start.
 *
 * A free slot goes to the waiting launch whose function has the fewest environments started (ties:
 * first come), so that one slow function cannot hold back every other function's first environment;
 * a launch that has not started yet can be cancelled (its invocation was served by an environment
 * that became free first).
 */

interface QueuedLaunch {
  readonly start: (release: () => void) => void;
  /** Lower goes first: the function's environments already started. Read when a slot frees. */
  readonly rank: () => number;
}
export class LaunchGate {
  readonly #limit: number;
  #running = 0;
  readonly #queue: QueuedLaunch[] = [];

  /** @param limit environments initialising at once, ≥ 1. */
  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1)) {
      throw new RangeError(`a launch gate needs an integer limit ≥ 1, received ${limit}`);
    }
    this.#limit = limit;
  }

  /** Launches waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Calls `start` once a slot is free, with the function that frees it again (call it once init has
   * ended, however it ended). Returns `cancel`: true when `start` had not run and now never will.
   */
  enqueue(start: (release: () => void) => void, rank: () => number = () => 0): () => boolean {
    const launch = { start, rank };
    this.#queue.push(launch);
    this.#drain();
    return () => {
      const at = this.#queue.indexOf(launch);
      if (at < 0) return false;
      this.#queue.splice(at, 1);
      return true;
    };
  }

  #drain(): void {
    while (this.#running < this.#limit && this.#queue.length > 0) {
      const start = this.#next();
      this.#running += 1;
      let released = false;
      start(() => {
        if (released) return;
        released = true;
        this.#running -= 1;
        this.#drain();
      });
    }
  }

  /** Removes and returns the launch to start next: lowest rank, first come among equals. */
  #next(): (release: () => void) => void {
    let best = 0;
    let bestRank = this.#queue[0]!.rank();
    for (let at = 1; at < this.#queue.length && bestRank > 0; at++) {
      const rank = this.#queue[at]!.rank();
      if (rank < bestRank) [best, bestRank] = [at, rank];
    }
    return this.#queue.splice(best, 1)[0]!.start;
  }
}
