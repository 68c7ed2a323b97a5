/**
 * Compactor entry (docs/writes.md "Compaction"): folds an index's write log into a new version.
 * Event: `{ "index": "<name>" }`. Work in progress: the compaction itself lands in shared/writes.
 */
export async function handler(event: unknown): Promise<never> {
  throw new Error(`compactor not implemented yet (event ${JSON.stringify(event)})`);
}
