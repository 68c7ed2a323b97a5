import type { SquashConfig } from '../config.ts';
import { NotImplementedError } from '../not-implemented-error.ts';

/**
 * Answers one `POST /search` body (DESIGN §4): validate, plan the allocator tree, invoke, merge.
 * The serverless query issue implements it; until then the coordinator answers 501.
 */
export async function search(body: unknown, config: SquashConfig): Promise<unknown> {
  void body;
  void config;
  throw new NotImplementedError('POST /search (the query path)');
}
