export { allocate } from './allocate.ts';
export * from './allocator-step.ts';
export * from './payload.ts';
export * from './processor-searcher.ts';
export { serveAllocator } from './serve-allocator.ts';
export * from './slice-query.ts';
export * from './subtree.ts';
