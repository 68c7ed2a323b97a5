/** Directed rounding to float32, so stored outer boundaries still enclose float64 data. */
const float = new Float32Array(1);
const bits = new Int32Array(float.buffer);

/** The largest float32 ≤ x. */
export function float32Below(x: number): number {
  const f = Math.fround(x);
  return f > x ? step(f, -1) : f;
}

/** The smallest float32 ≥ x. */
export function float32Above(x: number): number {
  const f = Math.fround(x);
  return f < x ? step(f, 1) : f;
}

/** The adjacent float32 of `f` in `direction` (±1); `f` is a float32 value. */
function step(f: number, direction: 1 | -1): number {
  if (f === 0) return direction * 2 ** -149;
  float[0] = f;
  bits[0] = bits[0]! + (f > 0 ? direction : -direction);
  return float[0]!;
}
