import { METRIC_NAMES, predictionScorer, type MetricName, type Predictions } from "../aggregate/index.ts";
import type { Rng } from "../rng/index.ts";
import { std } from "../stats/index.ts";

/** The evaluation noise of one metric: what a finite validation set alone makes a fixed model's score vary by. */
export interface EvaluationNoise {
  /** Mean over the runs of the bootstrap variance of the run's metric; null when no run defines it. */
  variance: number | null;
  /** Runs that contributed (the metric defined on at least 2 resamples). */
  runs: number;
  resamples: number;
}

/**
 * For each run, the patient-level bootstrap variance of its metric with the model fixed: the
 * validation rows are grouped by patient (else accession), `resamples` samples of as many patients
 * are drawn with replacement, the metric is recomputed on each (a patient drawn twice counts
 * twice) and its sample variance taken; the runs' variances are then averaged. Seed-to-seed
 * differences smaller than this are within what the validation set can resolve.
 * `rngFor(i)` is run i's stream, so adding a run never moves another run's resamples.
 */
export function evaluationNoise(runs: readonly Predictions[], resamples: number, rngFor: (index: number) => Rng): Record<MetricName, EvaluationNoise> {
  const perRun = runs.map((run, index) => runVariances(run, resamples, rngFor(index)));
  const out = {} as Record<MetricName, EvaluationNoise>;
  for (const m of METRIC_NAMES) {
    const values = perRun.flatMap((v) => (v[m] === null ? [] : [v[m] as number]));
    out[m] = { variance: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null, runs: values.length, resamples };
  }
  return out;
}

function runVariances(run: Predictions, resamples: number, rng: Rng): Record<MetricName, number | null> {
  const byGroup = new Map<string, number[]>();
  run.groups.forEach((group, row) => {
    const rows = byGroup.get(group);
    if (rows) rows.push(row);
    else byGroup.set(group, [row]);
  });
  // Groups in sorted order, so the resamples depend only on the data and the stream.
  const groups = [...byGroup.keys()].sort().map((key) => byGroup.get(key) as number[]);
  const score = predictionScorer(run);
  const weights = new Int32Array(run.yTrue.length);
  const draws = Object.fromEntries(METRIC_NAMES.map((m) => [m, [] as number[]])) as Record<MetricName, number[]>;
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (let g = 0; g < groups.length; g++) for (const row of groups[rng.int(groups.length)] as number[]) weights[row] = (weights[row] as number) + 1;
    const metrics = score(weights);
    if (!metrics) continue;
    for (const m of METRIC_NAMES) {
      const v = metrics[m];
      if (v !== null && Number.isFinite(v)) draws[m].push(v);
    }
  }
  return Object.fromEntries(METRIC_NAMES.map((m) => [m, draws[m].length >= 2 ? std(draws[m], "sample") ** 2 : null])) as Record<MetricName, number | null>;
}
