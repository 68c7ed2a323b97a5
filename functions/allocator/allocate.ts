import type { SquashConfig } from '../config.ts';
import { NotImplementedError } from '../not-implemented-error.ts';
import type { AllocatorPayload } from './payload.ts';

/**
 * One node of the allocator tree (DESIGN §5): invoke child allocators, order and select partitions,
 * invoke one processor per selected partition, merge by exact distance. The serverless query issue
 * implements it.
 */
export async function allocate(payload: AllocatorPayload, config: SquashConfig): Promise<unknown> {
  void payload;
  void config;
  throw new NotImplementedError('the allocator step');
}
