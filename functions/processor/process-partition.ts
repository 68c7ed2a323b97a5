import type { SquashConfig } from '../config.ts';
import { NotImplementedError } from '../not-implemented-error.ts';
import type { ProcessorPayload } from './payload.ts';

/**
 * One partition's work for a batch of queries (DESIGN §5): quantized filter, Hamming prune, ADC lower
 * bounds, exact re-rank and exact filter check. The serverless query issue implements it.
 */
export async function processPartition(payload: ProcessorPayload, config: SquashConfig): Promise<unknown> {
  void payload;
  void config;
  throw new NotImplementedError('the processor step');
}
