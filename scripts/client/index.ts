export * from './function-url.ts';
export * from './retry-policy.ts';
export * from './search-client.ts';
export * from './search-http-error.ts';
export * from './sigv4-signer.ts';
export * from './squash-client.ts';
export * from './write-client.ts';
