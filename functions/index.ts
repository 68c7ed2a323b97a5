export * from './config.ts';
export * from './index-cache.ts';
export * from './parse-payload.ts';
export * from './runtime.ts';
