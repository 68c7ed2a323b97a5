export { allocate } from './allocate.ts';
export * from './payload.ts';
