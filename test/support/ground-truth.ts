/** Exact filtered ground truth by brute force, independent of the index code (for recall tests). */
export function bruteForceDistances(
  base: Float32Array,
  dim: number,
  query: Float32Array,
  k: number,
  keep: (row: number) => boolean = () => true,
): number[] {
  const n = base.length / dim;
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    let sum = 0;
    const offset = i * dim;
    for (let j = 0; j < dim; j++) {
      const diff = query[j]! - base[offset + j]!;
      sum += diff * diff;
    }
    if (best.length < k || sum < best[best.length - 1]!) {
      let at = best.length;
      while (at > 0 && best[at - 1]! > sum) at--;
      best.splice(at, 0, sum);
      if (best.length > k) best.pop();
    }
  }
  return best.map(Math.sqrt);
}

/** Exact L2 distances of given ids (official ground-truth files list ids; recall needs distances). */
export function distancesOf(
  base: Float32Array,
  dim: number,
  query: Float32Array,
  ids: ArrayLike<number>,
): number[] {
  return Array.from(ids, (id) => {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (query[j]! - base[id * dim + j]!) ** 2;
    return Math.sqrt(sum);
  });
}
