export * from './payload.ts';
export { processPartition } from './process-partition.ts';
