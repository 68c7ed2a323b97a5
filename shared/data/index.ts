export * from './idx-reader.ts';
export * from './input-file.ts';
export * from './json-lines.ts';
export * from './npy-reader.ts';
export * from './read-vectors.ts';
export * from './vecs-reader.ts';
export * from './vecs-writer.ts';
export * from './vector-set.ts';
