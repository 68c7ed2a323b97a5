export * from './errors.ts';
export * from './shortened.ts';
