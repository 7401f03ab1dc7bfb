import erfcinv from "@stdlib/math-base-special-erfcinv";
import cdf from "@stdlib/stats-base-dists-normal-cdf";

/** Standard normal CDF Φ(x) (scipy.special.ndtr); Φ(±∞) = 1 / 0. */
export function normalCdf(x: number): number {
  return cdf(x, 0, 1);
}

/**
 * Standard normal quantile Φ⁻¹(p) (scipy.special.ndtri): −√2 · erfcinv(2p). ±∞ at p = 1 / 0,
 * NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  return -Math.SQRT2 * erfcinv(2 * p);
}
