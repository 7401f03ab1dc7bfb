import { METRIC_NAMES, bootstrapRuns, predictionScorer, type MetricName, type Predictions, type RunMetrics } from "../aggregate/index.ts";
import { computeValMetrics, type ValMetrics } from "../metrics/index.ts";
import { stream } from "../rng/index.ts";
import type { BootstrapInterval } from "../stats/index.ts";
import { argMax } from "./infer.ts";
import type { PredictSample } from "./inputs.ts";

/** One metric's patient-level bootstrap intervals, as metrics.json holds them. */
export interface MetricInterval {
  /** The metric on all images. */
  estimate: number | null;
  /** Percentile interval. */
  low: number | null;
  high: number | null;
  /** BCa interval (null when the leave-one-patient-out jackknife leaves the metric undefined). */
  bca_low: number | null;
  bca_high: number | null;
  /** Resamples on which the metric was undefined (e.g. AUC with a class missing), left out of both intervals. */
  undefined_resamples: number;
}

/** Metrics of one set of predictions with their intervals. */
export interface Evaluation {
  /** Every metric of val_metrics.json, the confusion matrix (rows = true A–D) among them. */
  metrics: ValMetrics;
  intervals: Record<MetricName, MetricInterval>;
}

export interface BootstrapSettings {
  resamples: number;
  seed: number;
  confidence: number;
  onResample?: () => void;
}

/** The resampling unit of a sample: its patient, else its accession. */
export const groupOf = (s: PredictSample) => (s.patientId ? `patient:${s.patientId}` : `accession:${s.accession}`);

/** Labelled samples and probabilities as the aggregate's scorer takes them. */
export function scored(samples: readonly PredictSample[], probs: readonly number[][], file: string): Predictions {
  return {
    file,
    yTrue: Int32Array.from(samples, (s) => (s.label as number) - 1),
    yPred: Int32Array.from(probs, argMax),
    probs: probs.map((p) => Float64Array.from(p)),
    groups: samples.map(groupOf),
  };
}

/**
 * Metrics of labelled predictions and their patient-level bootstrap intervals: each resample
 * draws as many patients as there are, with replacement, each bringing all its images (Lehman
 * et al. 2019 report density κ this way, with 5,000 resamples). Every model and the ensemble use
 * the same stream (`bootstrap` of `seed`), so they are resampled on the same patients. With 0
 * resamples the intervals are null.
 */
export function evaluatePredictions(p: Predictions, boot: BootstrapSettings): Evaluation {
  const metrics = computeValMetrics(p.yTrue, p.yPred, p.probs);
  if (boot.resamples === 0) {
    // No bootstrap: the estimates alone, intervals null.
    const estimate = predictionScorer(p)(null) as RunMetrics;
    const none = (m: MetricName): MetricInterval => ({ estimate: estimate[m], low: null, high: null, bca_low: null, bca_high: null, undefined_resamples: 0 });
    return { metrics, intervals: Object.fromEntries(METRIC_NAMES.map((m) => [m, none(m)])) as Record<MetricName, MetricInterval> };
  }
  const intervals = bootstrapRuns([p], { resamples: boot.resamples, rng: stream(boot.seed, "bootstrap"), confidence: boot.confidence, ...(boot.onResample ? { onResample: boot.onResample } : {}) });
  return { metrics, intervals: Object.fromEntries(METRIC_NAMES.map((m) => [m, intervalRecord(intervals[m])])) as Record<MetricName, MetricInterval> };
}

function intervalRecord(b: BootstrapInterval): MetricInterval {
  return { estimate: b.estimate, low: b.low, high: b.high, bca_low: b.bcaLow, bca_high: b.bcaHigh, undefined_resamples: b.undefinedResamples };
}
