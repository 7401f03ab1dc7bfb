import { TaskError } from "../errors/index.ts";
import { mean } from "./descriptive.ts";
import { chiSquareQuantile } from "./special.ts";

/** A variance estimate with its interval. */
export interface VarianceEstimate {
  /** Point estimate (method of moments; a negative moment estimate is reported as 0, see `negative`). */
  variance: number;
  /** Degrees of freedom the interval uses (Satterthwaite's, possibly fractional, for a difference of mean squares). */
  df: number;
  low: number;
  /** Null when no finite bound exists. */
  high: number | null;
  /** How the interval was made. */
  method: "chi2" | "satterthwaite" | "bound";
  /** The moment estimate was below 0 and is reported as 0. */
  negative: boolean;
}

/**
 * Exact χ² interval for a normal variance from a mean square `ms` on `df` degrees of freedom:
 * [df·ms / χ²(1 − α/2, df), df·ms / χ²(α/2, df)], α = 1 − confidence.
 */
export function chiSquareInterval(ms: number, df: number, confidence = 0.95): VarianceEstimate {
  if (!(df > 0)) throw new TaskError("bad_variance", `a variance interval needs df > 0, got ${df}`);
  const alpha = 1 - confidence;
  return { variance: ms, df, low: (df * ms) / chiSquareQuantile(1 - alpha / 2, df), high: (df * ms) / chiSquareQuantile(alpha / 2, df), method: "chi2", negative: false };
}

/**
 * One-factor design: n runs that differ in one source only. Their sample variance s² (n − 1
 * divisor) estimates that source's variance; the interval is the χ² one on n − 1 df.
 */
export function oneFactorVariance(values: readonly number[], confidence = 0.95): VarianceEstimate {
  const n = values.length;
  if (n < 2) throw new TaskError("bad_variance", `a variance needs at least 2 runs, got ${n}`);
  // Identical values (the `none` control) have variance exactly 0; a rounded mean would leave ~1e-32.
  if (values.every((v) => v === values[0])) return chiSquareInterval(0, n - 1, confidence);
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return chiSquareInterval(ss / (n - 1), n - 1, confidence);
}

/** Sums of squares, degrees of freedom and mean squares of a two-way layout without replication. */
export interface TwoWayAnova {
  rows: number;
  cols: number;
  grandMean: number;
  a: { ss: number; df: number; ms: number };
  b: { ss: number; df: number; ms: number };
  residual: { ss: number; df: number; ms: number };
}

/**
 * Two-way ANOVA of `y[i][j]` (row factor A with a levels, column factor B with b levels, one
 * observation per cell), the table statsmodels' `anova_lm(ols("y ~ C(A) + C(B)"))` gives:
 * SS_A = b Σ(ȳ_i. − ȳ)², SS_B = a Σ(ȳ_.j − ȳ)², SS_E = Σ(y_ij − ȳ_i. − ȳ_.j + ȳ)²,
 * df = a − 1, b − 1, (a − 1)(b − 1).
 */
export function twoWayAnova(y: readonly (readonly number[])[]): TwoWayAnova {
  const a = y.length;
  const b = y[0]?.length ?? 0;
  if (a < 2 || b < 2) throw new TaskError("bad_variance", `a crossed design needs at least 2 × 2 runs, got ${a} × ${b}`);
  for (const [i, row] of y.entries()) if (row.length !== b) throw new TaskError("bad_variance", `crossed design: row ${i} has ${row.length} cells, expected ${b}`);
  const at = (i: number, j: number) => (y[i] as readonly number[])[j] as number;
  const rowMeans = y.map((row) => mean(row));
  const colMeans = Array.from({ length: b }, (_, j) => mean(y.map((row) => row[j] as number)));
  const grand = mean(rowMeans);
  let ssA = 0;
  for (const r of rowMeans) ssA += b * (r - grand) ** 2;
  let ssB = 0;
  for (const c of colMeans) ssB += a * (c - grand) ** 2;
  let ssE = 0;
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) ssE += (at(i, j) - (rowMeans[i] as number) - (colMeans[j] as number) + grand) ** 2;
  const dfA = a - 1;
  const dfB = b - 1;
  const dfE = dfA * dfB;
  return { rows: a, cols: b, grandMean: grand, a: { ss: ssA, df: dfA, ms: ssA / dfA }, b: { ss: ssB, df: dfB, ms: ssB / dfB }, residual: { ss: ssE, df: dfE, ms: ssE / dfE } };
}

/**
 * σ² = (MS_f − MS_E) / k, the method-of-moments component of a random factor whose expected mean
 * square is σ²_E + k·σ²_f. Interval: Satterthwaite's χ² on ν = (MS_f − MS_E)² / (MS_f²/df_f +
 * MS_E²/df_E). A negative estimate is reported as 0 and flagged; its interval is then [0, the upper
 * χ² bound of MS_f / k], which holds because σ²_f ≤ E[MS_f] / k.
 */
export function momComponent(factor: { ms: number; df: number }, residual: { ms: number; df: number }, k: number, confidence = 0.95): VarianceEstimate {
  const alpha = 1 - confidence;
  const raw = (factor.ms - residual.ms) / k;
  if (!(raw > 0)) {
    const high = (factor.df * factor.ms) / (k * chiSquareQuantile(alpha / 2, factor.df));
    return { variance: 0, df: factor.df, low: 0, high, method: "bound", negative: raw < 0 };
  }
  const nu = (factor.ms - residual.ms) ** 2 / (factor.ms ** 2 / factor.df + residual.ms ** 2 / residual.df);
  return { variance: raw, df: nu, low: (nu * raw) / chiSquareQuantile(1 - alpha / 2, nu), high: (nu * raw) / chiSquareQuantile(alpha / 2, nu), method: "satterthwaite", negative: false };
}

/**
 * Variance components of a crossed two-way random-effects design without replication:
 * E[MS_A] = σ²_E + b·σ²_A, E[MS_B] = σ²_E + a·σ²_B, E[MS_E] = σ²_E (interaction and noise
 * together: one run per cell cannot tell them apart).
 */
export function crossedComponents(y: readonly (readonly number[])[], confidence = 0.95): { anova: TwoWayAnova; a: VarianceEstimate; b: VarianceEstimate; residual: VarianceEstimate } {
  const anova = twoWayAnova(y);
  return {
    anova,
    a: momComponent(anova.a, anova.residual, anova.cols, confidence),
    b: momComponent(anova.b, anova.residual, anova.rows, confidence),
    residual: chiSquareInterval(anova.residual.ms, anova.residual.df, confidence),
  };
}
