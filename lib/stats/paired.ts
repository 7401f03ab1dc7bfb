import cdfT from "@stdlib/stats-base-dists-t-cdf";
import quantileT from "@stdlib/stats-base-dists-t-quantile";
import { TaskError } from "../errors/index.ts";
import { mean, std } from "./descriptive.ts";

/** A t test on paired differences d = a − b. NaN fields where undefined (fewer than 2 pairs; p when every d is 0). */
export interface PairedT {
  /** Number of pairs. */
  n: number;
  /** mean(a − b). */
  meanDiff: number;
  /** Two-sided interval for the mean difference at the requested confidence. */
  ciLow: number;
  ciHigh: number;
  t: number;
  /** Degrees of freedom, n − 1. */
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/** a − b, checking that the two samples are paired (same length). */
export function differences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new TaskError("unpaired", `paired samples differ in length: ${a.length} vs ${b.length}`);
  return a.map((x, i) => x - (b[i] as number));
}

/**
 * t test of mean(d) = 0 with Var(mean) estimated as `factor · s²` (s² the sample variance of d).
 * factor = 1/n is the ordinary paired t test; Nadeau–Bengio add n_test/n_train.
 */
function tTestOfDifferences(d: readonly number[], factor: number, confidence: number): PairedT {
  const n = d.length;
  const m = mean(d);
  const se = Math.sqrt(factor * std(d, "sample") ** 2);
  const t = m / se;
  const df = n - 1;
  const half = n >= 2 ? quantileT(1 - (1 - confidence) / 2, df) * se : Number.NaN;
  return { n, meanDiff: m, ciLow: m - half, ciHigh: m + half, t, df, p: n >= 2 ? 2 * cdfT(-Math.abs(t), df) : Number.NaN };
}

/**
 * Paired (dependent-samples) t test of a vs b, two-sided, with the t interval of the mean
 * difference (scipy `ttest_rel(a, b)` and its `confidence_interval`). When every difference is the
 * same non-zero value, t = ±∞ and p = 0 (as scipy); when all are 0, t and p are NaN.
 */
export function pairedTTest(a: readonly number[], b: readonly number[], confidence = 0.95): PairedT {
  const d = differences(a, b);
  return tTestOfDifferences(d, 1 / d.length, confidence);
}

/**
 * Nadeau–Bengio corrected resampled t test (Machine Learning 52, 2003) for J paired scores from
 * resampled train/test splits (k-fold CV folds, possibly repeated over seeds): the training sets
 * overlap, so the plain paired t test underestimates the variance. Var(mean d) is taken as
 * (1/J + n_test/n_train) · s² instead of s²/J; df = J − 1. `testTrainRatio` = n_test / n_train
 * (1/(k − 1) for k equal folds). The interval uses the same corrected standard error.
 */
export function nadeauBengioTest(a: readonly number[], b: readonly number[], testTrainRatio: number, confidence = 0.95): PairedT {
  if (!(testTrainRatio > 0) || !Number.isFinite(testTrainRatio)) {
    throw new TaskError("bad_ratio", `Nadeau–Bengio test: n_test/n_train must be a positive number, got ${testTrainRatio}`);
  }
  const d = differences(a, b);
  return tTestOfDifferences(d, 1 / d.length + testTrainRatio, confidence);
}

/**
 * P(A > B) over matched pairs: (#{a_i > b_i} + ½ · #{a_i = b_i}) / n, i.e. the fraction of paired
 * runs (same seed / fold) that A wins, a tie counting half. Only matched pairs are compared (not
 * all n² cross pairs) because runs with the same seed share the split. NaN for no pairs.
 */
export function probabilityAGreater(a: readonly number[], b: readonly number[]): number {
  const d = differences(a, b);
  let wins = 0;
  for (const x of d) wins += x > 0 ? 1 : x === 0 ? 0.5 : 0;
  return wins / d.length;
}
