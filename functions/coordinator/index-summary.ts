/**
 * `GET /indexes/<name>`: what a client may know about a published index (no keys, sizes or checksums),
 * and where its write log stands: the last sequence, and how many entries no compaction folded yet.
 */
import type { IndexReader } from '../../shared/index/index-reader.ts';

export function indexSummary(name: string, reader: IndexReader, logSequence: number) {
  const { manifest } = reader;
  const logThrough = manifest.logThrough ?? 0;
  return {
    name,
    version: manifest.version,
    writeLog: { sequence: logSequence, foldedThrough: logThrough, pendingEntries: logSequence - logThrough },
    createdAt: manifest.createdAt,
    count: manifest.count,
    dim: manifest.dim,
    metric: manifest.metric,
    partitions: manifest.partitions,
    partitionSizes: manifest.objects.partitions.map((partition) => partition.count),
    bitsPerVector: manifest.bitsPerVector,
    attributes: reader.schema.attributes.map(({ name: attribute, kind }) => ({ name: attribute, kind })),
  };
}
