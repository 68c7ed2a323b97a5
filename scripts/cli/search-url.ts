/**
 * `squash search --url`: the same JSON lines, through a search Function URL (the serverless path).
 *
 * Complete or fail: without `--allow-partial` a search that misses partitions throws (the server's
 * 502/504 naming them, as `SearchIncompleteError`), so the command prints the error to stderr and exits
 * non-zero. With it, a partial answer is still printed — each affected line carries its
 * `missingPartitions` — and `warning` says which partitions failed and why, for stderr.
 */
import type { SearchQuery } from '../../shared/index/local-search.ts';
import type { QueryOptions } from '../../shared/search/query-executor.ts';
import { type RetryNotice, type SearchOutcome, SquashClient } from '../client/index.ts';

export interface BatchAnswer {
  readonly results: {
    readonly hits: { id: number | string; distance: number }[];
    /** Partitions this query missed; present only on a partial answer (`--allow-partial`). */
    readonly missingPartitions?: readonly number[];
  }[];
  /** Set when the answer is partial: which partitions failed, for how many queries, and why. */
  readonly warning?: string;
}

export interface UrlSearchSettings {
  readonly sign: boolean;
  /** Accept partial answers (printed with a warning) instead of failing. */
  readonly allowPartial: boolean;
}

export async function searchThroughUrl(
  url: string,
  index: string,
  batch: SearchQuery[],
  options: Partial<QueryOptions> & { k: number },
  settings: UrlSearchSettings,
): Promise<BatchAnswer> {
  const { k, allowPartial: _, ...rest } = options;
  const request = {
    index,
    k,
    queries: batch.map((query) => ({
      vectorBase64: Buffer.from(Float32Array.from(query.vector as ArrayLike<number>).buffer).toString(
        'base64',
      ),
      ...(query.filter === undefined ? {} : { filter: query.filter }),
    })),
    options: rest,
  };
  const hitsOf = (result: { hits: readonly { id: number | string; distance: number }[] }) =>
    result.hits.map((hit) => ({ id: hit.id, distance: hit.distance }));
  const client = new SquashClient({ url, sign: settings.sign, onRetry: warnRetry });
  if (!settings.allowPartial) {
    const response = await client.search(request);
    return { results: response.results.map((result) => ({ hits: hitsOf(result) })) };
  }
  const outcome: SearchOutcome = await client.searchAllowingPartial(request);
  if (outcome.complete) return { results: outcome.results.map((result) => ({ hits: hitsOf(result) })) };
  const results = outcome.partialResults.map((result) =>
    result.stats.missingPartitions.length === 0
      ? { hits: hitsOf(result) }
      : { hits: hitsOf(result), missingPartitions: result.stats.missingPartitions },
  );
  const affected = results.filter((result) => result.missingPartitions !== undefined).length;
  const causes = outcome.failures.map((failure) => failure.message).slice(0, 3);
  return {
    results,
    warning:
      `partial answer: partitions ${outcome.missingPartitions.join(', ')} could not be searched, ` +
      `${affected} of ${results.length} queries may miss rows (their lines carry "missingPartitions")` +
      (causes.length > 0 ? `: ${causes.join('; ')}` : ''),
  };
}

function warnRetry(notice: RetryNotice): void {
  process.stderr.write(
    `squash: warning: search request failed (${notice.error.message}); retrying in ${notice.delayMs} ms\n`,
  );
}
