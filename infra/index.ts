export * from './context-props.ts';
export * from './function-names.ts';
export * from './index-bucket.ts';
export * from './index-read-access.ts';
export * from './search-function.ts';
export * from './search-settings.ts';
export * from './search-stack.ts';
export * from './search-stack-props.ts';
