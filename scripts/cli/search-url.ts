/** `squash search --url`: the same JSON lines, through a search Function URL (the serverless path). */
import type { SearchQuery } from '../../shared/index/local-search.ts';
import type { QueryOptions } from '../../shared/search/query-executor.ts';
import { searchUrl } from '../client/index.ts';

export async function searchThroughUrl(
  url: string,
  index: string,
  batch: SearchQuery[],
  options: Partial<QueryOptions> & { k: number },
  sign: boolean,
): Promise<{ id: number | string; distance: number }[][]> {
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
  return response.results.map((result) => result.hits.map((hit) => ({ id: hit.id, distance: hit.distance })));
}
