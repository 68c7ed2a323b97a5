export * from './balanced-kmeans.ts';
export * from './size-bounds.ts';
