export * from './binary-codes.ts';
export * from './bit-allocation.ts';
export * from './boundaries.ts';
export * from './klt.ts';
export * from './osq-codes.ts';
export * from './osq-layout.ts';
export * from './osq-quantizer.ts';
export * from './symmetric-eigen.ts';
