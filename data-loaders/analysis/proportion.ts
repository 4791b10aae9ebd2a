// A share of successes with its Wilson score interval: the interval every accuracy, pass rate and
// win rate of the tracker is shown with. Unlike p ± 1.96·√(p(1 − p)/n) it stays inside [0, 1]
// and does not collapse to a point at 0 or n successes, which matters for small samples.
//
//   p      = k / n
//   centre = (p + z²/(2n)) / (1 + z²/n)
//   half   = z / (1 + z²/n) · √(p (1 − p) / n + z² / (4n²))
//   95% CI = centre ± half, with z = 1.959964 (two-sided 95% normal quantile)

/** Two-sided 95% standard normal quantile. */
export const Z_95 = 1.959963984540054;

export interface Proportion {
  /** Successes and trials. */
  k: number;
  n: number;
  /** k / n; null when n = 0. */
  p: number | null;
  lo: number | null;
  hi: number | null;
}

/** k successes out of n with the Wilson score interval (95% by default). */
export function wilson(k: number, n: number, z = Z_95): Proportion {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(k) && k >= 0 && k <= n))
    throw new RangeError(`wilson needs whole numbers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  if (n === 0) return { k, n, p: null, lo: null, hi: null };
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or k = n the bound equals p exactly; rounding must not push it past.
  return { k, n, p, lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}
