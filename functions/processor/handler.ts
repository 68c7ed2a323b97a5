/**
 * Processor entry: the G processor functions all run this file; partition p is routed to function
 * p mod G. The runtime (config, cache) lives at module scope so a warm container keeps its partitions.
 */
import { loadConfig } from '../config.ts';
import { createRuntime } from '../runtime.ts';
import { serveProcessor } from './serve-processor.ts';

const runtime = createRuntime(loadConfig());

export function handler(event: unknown) {
  return serveProcessor(event, runtime);
}
