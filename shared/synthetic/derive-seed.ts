/**
 * Independent 32-bit seeds for the separate random streams of one generator (model, vectors,
 * attributes, queries), so that e.g. asking for attributes never changes the vectors. A murmur3-style
 * finaliser over both 32-bit halves of the seed and the stream number.
 */
export function deriveSeed(seed: number, stream: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  let h = (low ^ Math.imul(high ^ 0x27d4eb2f, 0x165667b1) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export const MODEL_STREAM = 0;
export const VECTOR_STREAM = 1;
export const ATTRIBUTE_STREAM = 2;
export const QUERY_STREAM = 3;
export const SCORE_STREAM = 4;
