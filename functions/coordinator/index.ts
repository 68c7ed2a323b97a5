export * from './http-response.ts';
export { search } from './search.ts';
export * from './url-event.ts';
