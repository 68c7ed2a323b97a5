/**
 * Bytes of an index (DESIGN §3 "Storage format"): per row its float32 vector (4·D), its OSQ code
 * (bitsPerDim·D bits), its sign code (D bits) and its raw attributes and ordinal; per index the
 * allocator's centroids (P·D float32) and attribute codes (one byte per row and attribute).
 */
import type { ModelConfiguration } from './configuration.ts';
import type { MeasuredInputs } from './measured-inputs.ts';

export function bytesPerRow(config: ModelConfiguration, inputs: MeasuredInputs): number {
  const { dim, bitsPerDim } = config;
  return 4 * dim + Math.ceil((bitsPerDim * dim) / 8) + Math.ceil(dim / 8) + inputs.attributeBytesPerRow;
}

/** One partition object (what a processor loads and caches). */
export function partitionBytes(config: ModelConfiguration, inputs: MeasuredInputs): number {
  return (config.vectors / config.partitions) * bytesPerRow(config, inputs);
}

/** Centroids and attribute codes: what the allocator step loads and caches. */
export function allocatorBytes(config: ModelConfiguration): number {
  return config.partitions * config.dim * 4 + config.vectors * config.attributes;
}

export function indexBytes(config: ModelConfiguration, inputs: MeasuredInputs): number {
  return config.vectors * bytesPerRow(config, inputs) + allocatorBytes(config);
}
