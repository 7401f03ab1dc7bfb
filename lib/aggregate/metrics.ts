import { NUM_CLASSES, ovrAucByWeights, valMetricsFromConfusion, type ValMetrics } from "../metrics/index.ts";
import type { Summary } from "../stats/index.ts";

/** The metrics the aggregate summarises, in the order of its tables. */
export const METRIC_NAMES = ["accuracy", "kappa_quadratic", "macro_f1", "auc_ovr", "bal_acc", "f1_A", "f1_B", "f1_C", "f1_D"] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

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
 * contract): `Summary` plus the patient-bootstrap interval (null when disabled or undefined).
 */
export interface MetricSummary {
  n: number;
  mean: number | null;
  std: number | null;
  cv_pct: number | null;
  se: number | null;
  t_ci_low: number | null;
  t_ci_high: number | null;
  boot_ci_low: number | null;
  boot_ci_high: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

/** Merges a summary and a bootstrap interval in the contract's key order. */
export function metricSummary(s: Summary, boot: { low: number | null; high: number | null } | null): MetricSummary {
  return {
    n: s.n,
    mean: s.mean,
    std: s.std,
    cv_pct: s.cv_pct,
    se: s.se,
    t_ci_low: s.t_ci_low,
    t_ci_high: s.t_ci_high,
    boot_ci_low: boot?.low ?? null,
    boot_ci_high: boot?.high ?? null,
    median: s.median,
    min: s.min,
    max: s.max,
  };
}

/** Columns of `aggregate.csv` after `metric`. */
export const SUMMARY_COLUMNS = ["n", "mean", "std", "cv_pct", "se", "t_ci_low", "t_ci_high", "boot_ci_low", "boot_ci_high", "median", "min", "max"] as const;
