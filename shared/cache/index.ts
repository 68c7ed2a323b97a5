export * from './lru-cache.ts';
export * from './retained-bytes.ts';
