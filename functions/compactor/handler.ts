/**
 * Compactor entry (docs/writes.md "Compaction"): folds an index's write log into a new version.
 * Event `{ "index": "<name>" }`, sent asynchronously by the coordinator (a write that crossed
 * `SQUASH_COMPACT_AFTER_ROWS`, or `POST /compact`), or synchronously by an operator. Answers the
 * summary; progress goes to the log, one line per stage.
 */
import { z } from 'zod';
import { compactIndex } from '../../shared/writes/compact-index.ts';
import { loadConfig } from '../config.ts';
import { parsePayload } from '../parse-payload.ts';
import { createRuntime } from '../runtime.ts';
import { indexNameSchema } from '../wire/fields.ts';

const runtime = createRuntime(loadConfig());
const eventSchema = z.strictObject({ index: indexNameSchema });

export async function handler(event: unknown) {
  const { index } = parsePayload(eventSchema, event, 'compactor event');
  let stage = '';
  const summary = await compactIndex(runtime.indexStore(index), {
    retentionSeconds: runtime.config.retentionSeconds,
    onProgress: (next) => {
      if (next === stage) return;
      stage = next;
      console.log(`squash compactor: ${index}: ${next}`);
    },
  });
  console.log(`squash compactor: ${index}: ${JSON.stringify(summary)}`);
  return summary;
}
