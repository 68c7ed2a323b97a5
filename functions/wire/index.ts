export * from './fields.ts';
export * from './function-reply.ts';
export * from './path-stats.ts';
export * from './payload-limits.ts';
export * from './query-options.ts';
export * from './query-result.ts';
export * from './split-by-size.ts';
export * from './vector-base64.ts';
