import { NUM_CLASSES, ovrAucByWeights, valMetricsFromConfusion, type ValMetrics } from "../metrics/index.ts";
import type { BootstrapInterval, MetricRange, Summary, TScale } from "../stats/index.ts";

/** The metrics the aggregate summarises, in the order of its tables. */
export const METRIC_NAMES = ["accuracy", "kappa_quadratic", "macro_f1", "auc_ovr", "bal_acc", "f1_A", "f1_B", "f1_C", "f1_D"] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** The values each metric can take: κ in [−1, 1], every other one in [0, 1]. Intervals stay inside. */
export const METRIC_RANGES: Record<MetricName, MetricRange> = {
  accuracy: { min: 0, max: 1 },
  kappa_quadratic: { min: -1, max: 1 },
  macro_f1: { min: 0, max: 1 },
  auc_ovr: { min: 0, max: 1 },
  bal_acc: { min: 0, max: 1 },
  f1_A: { min: 0, max: 1 },
  f1_B: { min: 0, max: 1 },
  f1_C: { min: 0, max: 1 },
  f1_D: { min: 0, max: 1 },
};

/** One run's value of each metric; null where undefined (AUC with a class missing). */
export type RunMetrics = Record<MetricName, number | null>;

/** The aggregate's metrics from a `val_metrics.json` body (`acc` → accuracy, per-class F1 from the report). */
export function pickMetrics(m: Pick<ValMetrics, "acc" | "kappa_quadratic" | "macro_f1" | "auc_ovr" | "bal_acc" | "classification_report">): RunMetrics {
  const report = m.classification_report;
  return {
    accuracy: m.acc,
    kappa_quadratic: m.kappa_quadratic,
    macro_f1: m.macro_f1,
    auc_ovr: m.auc_ovr,
    bal_acc: m.bal_acc,
    f1_A: report.A["f1-score"],
    f1_B: report.B["f1-score"],
    f1_C: report.C["f1-score"],
    f1_D: report.D["f1-score"],
  };
}

/**
 * A function giving one run's metrics recomputed from its prediction rows, each row counted
 * `weights[i]` times (null: once each). Null when the weights select no row. Scores are sorted
 * once here, so a bootstrap resample costs O(rows), not a sort.
 */
export function predictionScorer(p: { yTrue: Int32Array; yPred: Int32Array; probs: readonly Float64Array[] }): (weights: ArrayLike<number> | null) => RunMetrics | null {
  const auc = ovrAucByWeights(p.yTrue, p.probs, NUM_CLASSES);
  return (weights) => {
    const cm = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
    let total = 0;
    for (let i = 0; i < p.yTrue.length; i++) {
      const w = weights ? (weights[i] as number) : 1;
      if (w === 0) continue;
      const row = cm[p.yTrue[i] as number] as number[];
      const j = p.yPred[i] as number;
      row[j] = (row[j] as number) + w;
      total += w;
    }
    return total === 0 ? null : pickMetrics(valMetricsFromConfusion(cm, auc(weights)));
  };
}

/**
 * One metric over the runs, as `aggregate.json` `metrics.<name>` holds it (key order of the
 * contract): `Summary` plus the patient-bootstrap intervals (null when disabled or undefined).
 */
export interface MetricSummary {
  n: number;
  mean: number | null;
  std: number | null;
  cv_pct: number | null;
  se: number | null;
  /** t interval kept inside the metric's range: on the logit scale, or clipped (see `t_ci_scale`). */
  t_ci_low: number | null;
  t_ci_high: number | null;
  /** `logit` or `clipped` (a value on a bound); null when n < 2. */
  t_ci_scale: TScale | null;
  /** Percentile bootstrap interval. */
  boot_ci_low: number | null;
  boot_ci_high: number | null;
  /** BCa bootstrap interval (null when the jackknife leaves the metric undefined). */
  boot_bca_low: number | null;
  boot_bca_high: number | null;
  /** Resamples on which the metric was undefined and left out of both intervals; null without bootstrap. */
  boot_undefined: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

/** Merges a summary and the bootstrap intervals in the contract's key order. */
export function metricSummary(s: Summary, boot: BootstrapInterval | null): MetricSummary {
  return {
    n: s.n,
    mean: s.mean,
    std: s.std,
    cv_pct: s.cv_pct,
    se: s.se,
    t_ci_low: s.t_ci_low,
    t_ci_high: s.t_ci_high,
    t_ci_scale: s.t_ci_scale,
    boot_ci_low: boot?.low ?? null,
    boot_ci_high: boot?.high ?? null,
    boot_bca_low: boot?.bcaLow ?? null,
    boot_bca_high: boot?.bcaHigh ?? null,
    boot_undefined: boot ? boot.undefinedResamples : null,
    median: s.median,
    min: s.min,
    max: s.max,
  };
}

/** Columns of `aggregate.csv` after `metric`. */
export const SUMMARY_COLUMNS = [
  "n",
  "mean",
  "std",
  "cv_pct",
  "se",
  "t_ci_low",
  "t_ci_high",
  "t_ci_scale",
  "boot_ci_low",
  "boot_ci_high",
  "boot_bca_low",
  "boot_bca_high",
  "boot_undefined",
  "median",
  "min",
  "max",
] as const;
