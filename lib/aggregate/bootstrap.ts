import type { Rng } from "../rng/index.ts";
import { bootstrapGroups, type BootstrapInterval } from "../stats/index.ts";
import { METRIC_NAMES, predictionScorer, type MetricName, type RunMetrics } from "./metrics.ts";
import type { Predictions } from "./read.ts";

export interface RunBootstrapOptions {
  resamples: number;
  rng: Rng;
  confidence?: number;
  /** Called once per resample (progress). */
  onResample?: () => void;
}

/**
 * Patient-level percentile bootstrap interval of the run-averaged metrics.
 *
 * Definition: the validation rows of all runs are pooled and grouped by patient (`patient_id`,
 * else `accession`). The resampling unit is the patient: a resample draws as many patients as
 * the pool holds, with replacement, and a drawn patient brings all its rows in every run where
 * it was validated (once per draw). Each run's metric is recomputed on its own rows of the
 * resample (a row drawn twice counts twice), and the resample's statistic is the mean of that
 * metric over the runs, the same average the point estimate (`mean`) reports. A resample on
 * which any run's metric is undefined (a run got no rows, or lacks a class for the AUC) is left
 * out of that metric's intervals and counted (`undefinedResamples`). The percentile bounds are the
 * type-7 quantiles (1 − confidence)/2 and (1 + confidence)/2 of the resampled means; the BCa
 * bounds use the jackknife that leaves out one patient at a time (see `bootstrapGroups`).
 *
 * Pooling by patient keeps the dependence between runs: with seeds, a patient validated in
 * several runs is drawn (or not) in all of them together; with CV folds, each patient sits in one
 * fold, so fold sizes vary from resample to resample as they would with another sample of patients.
 */
export function bootstrapRuns(runs: readonly Predictions[], options: RunBootstrapOptions): Record<MetricName, BootstrapInterval> {
  // Rows of each patient, per run; patients in sorted order so the resamples depend only on the data and the seed.
  const byPatient = new Map<string, number[][]>();
  runs.forEach((run, r) => {
    run.groups.forEach((group, row) => {
      let rows = byPatient.get(group);
      if (!rows) byPatient.set(group, (rows = runs.map(() => [])));
      (rows[r] as number[]).push(row);
    });
  });
  const patients = [...byPatient.keys()].sort().map((key) => byPatient.get(key) as number[][]);
  const scorers = runs.map(predictionScorer);
  const weights = runs.map((run) => new Int32Array(run.yTrue.length));

  const statistic = (sample: readonly number[][][]): RunMetrics => {
    for (const w of weights) w.fill(0);
    for (const patient of sample) {
      patient.forEach((rows, r) => {
        const w = weights[r] as Int32Array;
        for (const row of rows) w[row] = (w[row] as number) + 1;
      });
    }
    const sums = Object.fromEntries(METRIC_NAMES.map((m) => [m, 0 as number | null])) as RunMetrics;
    scorers.forEach((score, r) => {
      const values = score(weights[r] as Int32Array);
      for (const m of METRIC_NAMES) {
        const v = values ? values[m] : null;
        const sum = sums[m];
        sums[m] = v === null || sum === null ? null : sum + v;
      }
    });
    for (const m of METRIC_NAMES) {
      const sum = sums[m];
      sums[m] = sum === null ? null : sum / runs.length;
    }
    return sums;
  };
  return bootstrapGroups(patients, statistic, {
    resamples: options.resamples,
    rng: options.rng,
    confidence: options.confidence ?? 0.95,
    ...(options.onResample ? { onResample: options.onResample } : {}),
  });
}
