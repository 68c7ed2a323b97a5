/**
 * One compaction (docs/writes.md "Compaction"): validate the event, fold the index's write log into a
 * new version, and report it: a log line per stage, then the summary and the compaction's metrics.
 */
import { z } from 'zod';
import { type CompactSummary, compactIndex } from '../../shared/writes/compact-index.ts';
import { recordCompaction } from '../observability/records.ts';
import { parsePayload } from '../parse-payload.ts';
import type { FunctionRuntime } from '../runtime.ts';
import { indexNameSchema } from '../wire/fields.ts';

const eventSchema = z.strictObject({ index: indexNameSchema });

export async function serveCompactor(event: unknown, runtime: FunctionRuntime): Promise<CompactSummary> {
  const started = performance.now();
  const { index } = parsePayload(eventSchema, event, 'compactor event');
  const { logger } = runtime.telemetry;
  logger.appendKeys({ index });
  let stage = '';
  const summary = await compactIndex(runtime.indexStore(index), {
    retentionSeconds: runtime.config.retentionSeconds,
    onProgress: (next) => {
      if (next === stage) return;
      stage = next;
      logger.info('compaction stage', { stage });
    },
  });
  recordCompaction(runtime.telemetry, index, summary, performance.now() - started);
  return summary;
}
