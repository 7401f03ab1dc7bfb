import quantileT from "@stdlib/stats-base-dists-t-quantile";

/**
 * Which standard deviation to report: "sample" divides by n − 1 (numpy `ddof=1`, mathjs `std`'s
 * default), "population" by n (numpy's default `ddof=0`; what the reference pipeline published).
 */
export type Sigma = "sample" | "population";

/** Arithmetic mean; NaN for no values. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/**
 * Standard deviation, two-pass (mean first) like numpy. NaN when undefined: no values, or one
 * value with `sigma = "sample"`.
 */
export function std(values: ArrayLike<number>, sigma: Sigma = "sample"): number {
  const n = values.length;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((values[i] as number) - m) ** 2;
  const dof = sigma === "sample" ? n - 1 : n;
  return dof > 0 ? Math.sqrt(ss / dof) : Number.NaN;
}

/** Coefficient of variation in percent: σ / mean · 100 (σ as chosen). */
export function cvPercent(values: ArrayLike<number>, sigma: Sigma = "sample"): number {
  return (std(values, sigma) / mean(values)) * 100;
}

/** Standard error of the mean, s / √n with the sample σ (the estimator the t interval uses). */
export function standardError(values: ArrayLike<number>): number {
  return std(values, "sample") / Math.sqrt(values.length);
}

/** Quantile p of Student's t with df degrees of freedom (scipy `t.ppf(p, df)`). */
export function tQuantile(p: number, df: number): number {
  return quantileT(p, df);
}

/**
 * Two-sided t interval for the mean: mean ± t(1 − α/2, n − 1) · s/√n, α = 1 − confidence
 * (scipy `t.interval(confidence, n − 1, loc=mean, scale=sem)`). NaN bounds for fewer than 2 values.
 */
export function tInterval(values: ArrayLike<number>, confidence = 0.95): { low: number; high: number } {
  const n = values.length;
  if (n < 2) return { low: Number.NaN, high: Number.NaN };
  const half = quantileT(1 - (1 - confidence) / 2, n - 1) * standardError(values);
  const m = mean(values);
  return { low: m - half, high: m + half };
}

/**
 * Quantile by linear interpolation between order statistics (numpy's default "linear", Hyndman &
 * Fan type 7): position q·(n − 1) in the sorted values. NaN for no values.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return quantileSorted(sorted, q);
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  return a + (pos - lo) * ((sorted[hi] as number) - a);
}

/** Median (mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}
