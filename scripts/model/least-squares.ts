/**
 * Non-negative least squares for the calibration's few coefficients: minimise Σ_i w_i·(a_i·x − b_i)²
 * with x ≥ 0, by solving the normal equations and dropping (fixing at 0) the most negative coefficient
 * until none is negative. Exact for the handful of unknowns and observations the calibration has.
 */
export function nonNegativeLeastSquares(
  rows: readonly (readonly number[])[],
  targets: readonly number[],
  weights: readonly number[] = targets.map(() => 1),
): number[] {
  const n = rows[0]?.length ?? 0;
  if (rows.length !== targets.length || rows.length !== weights.length || rows.some((r) => r.length !== n)) {
    throw new Error(
      `least squares: ${rows.length} rows, ${targets.length} targets and ${weights.length} weights of ${n} unknowns; expected equal counts`,
    );
  }
  const active = new Set(Array.from({ length: n }, (_, j) => j));
  for (;;) {
    const columns = [...active];
    const solved = solveNormal(rows, targets, weights, columns);
    const x = new Array<number>(n).fill(0);
    columns.forEach((j, i) => {
      x[j] = solved[i]!;
    });
    let worst = -1;
    for (const j of columns) if (x[j]! < 0 && (worst < 0 || x[j]! < x[worst]!)) worst = j;
    if (worst < 0) return x;
    active.delete(worst);
  }
}

function solveNormal(
  rows: readonly (readonly number[])[],
  targets: readonly number[],
  weights: readonly number[],
  columns: readonly number[],
): number[] {
  const m = columns.length;
  if (m === 0) return [];
  const a = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  rows.forEach((row, i) => {
    const w = weights[i]!;
    for (let p = 0; p < m; p++) {
      const rp = row[columns[p]!]!;
      for (let q = 0; q < m; q++) a[p]![q]! += w * rp * row[columns[q]!]!;
      a[p]![m]! += w * rp * targets[i]!;
    }
  });
  // Gaussian elimination with partial pivoting; a singular column gets 0.
  for (let p = 0; p < m; p++) {
    let pivot = p;
    for (let r = p + 1; r < m; r++) if (Math.abs(a[r]![p]!) > Math.abs(a[pivot]![p]!)) pivot = r;
    [a[p], a[pivot]] = [a[pivot]!, a[p]!];
    const diagonal = a[p]![p]!;
    if (Math.abs(diagonal) < 1e-12) continue;
    for (let r = 0; r < m; r++) {
      if (r === p) continue;
      const factor = a[r]![p]! / diagonal;
      for (let c = p; c <= m; c++) a[r]![c]! -= factor * a[p]![c]!;
    }
  }
  return a.map((row, p) => (Math.abs(row[p]!) < 1e-12 ? 0 : row[m]! / row[p]!));
}
