export * from './search-client.ts';
export * from './search-http-error.ts';
export * from './sigv4-signer.ts';
