export * from './config.ts';
export * from './not-implemented-error.ts';
export * from './parse-payload.ts';
