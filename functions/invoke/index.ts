export * from './call-function.ts';
export * from './invoker.ts';
export * from './lambda-invoker.ts';
