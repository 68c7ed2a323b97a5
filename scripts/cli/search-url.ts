/** `squash search --url`: the same JSON lines, through a search Function URL (the serverless path). */

import { InvalidInputError } from '../../shared/errors/index.ts';
import type { SearchQuery } from '../../shared/index/local-search.ts';
import type { QueryOptions } from '../../shared/search/query-executor.ts';

export async function searchThroughUrl(
  url: string,
  index: string,
  batch: SearchQuery[],
  options: Partial<QueryOptions> & { k: number },
  sign: boolean,
): Promise<{ id: number; distance: number }[][]> {
  const { searchUrl } = await import('../client/search-client.ts').catch(() => {
    throw new InvalidInputError('searching through a URL needs scripts/client/search-client.ts');
  });
  const { k, ...rest } = options;
  const response = await searchUrl(
    url,
    {
      index,
      k,
      queries: batch.map((query) => ({
        vectorBase64: Buffer.from(Float32Array.from(query.vector as ArrayLike<number>).buffer).toString(
          'base64',
        ),
        ...(query.filter === undefined ? {} : { filter: query.filter }),
      })),
      options: rest,
    },
    { sign },
  );
  return response.results.map((result: { hits: { id: number; distance: number }[] }) =>
    result.hits.map((hit) => ({ id: hit.id, distance: hit.distance })),
  );
}
