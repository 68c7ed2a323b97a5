export * from './hit-attributes.ts';
export * from './payload.ts';
export { processPartition } from './process-partition.ts';
export { serveProcessor } from './serve-processor.ts';
