/** `GET /indexes/<name>`: what a client may know about a published index (no keys, sizes or checksums). */
import type { IndexReader } from '../../shared/index/index-reader.ts';

export function indexSummary(name: string, reader: IndexReader) {
  const { manifest } = reader;
  return {
    name,
    version: manifest.version,
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
