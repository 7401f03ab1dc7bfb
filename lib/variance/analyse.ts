import { METRIC_NAMES, checkUniform, describeDifferences, readPredictions, type MetricName } from "../aggregate/index.ts";
import { TaskError } from "../errors/index.ts";
import { stream } from "../rng/index.ts";
import { classifyRuns } from "./classify.ts";
import { decompose, type MetricDecomposition } from "./decompose.ts";
import type { Study } from "./design.ts";
import { evaluationNoise } from "./evaluation.ts";
import { deterministicBackend, type StudyRun } from "./read.ts";

/** The `none` control's verdict: were the repeated runs the same bits? */
export interface Control {
  /** Every run has the same weights SHA-256 and the same metrics. */
  bit_identical: boolean;
  /** Distinct weights SHA-256 among the runs. */
  distinct_weights: number;
  deterministic_backend: boolean;
  /** One sentence for logs and the report. */
  verdict: string;
}

/** The body of `variance.json` (the artifact store adds the envelope). */
export interface VarianceBody {
  design: Study["design"];
  /** Sources varied (all five for `all`, none for `none`). */
  sources: string[];
  n: number;
  m: number | null;
  base_seed: number;
  confidence: number;
  backend: string;
  deterministic_backend: boolean;
  runs: { dir: string; seed: number; seeds: StudyRun["seeds"]; weights_sha256: string | null; metrics: StudyRun["metrics"] }[];
  /** Per metric: each source's variance with its interval and share, the total and the evaluation noise. */
  metrics: Record<MetricName, MetricDecomposition>;
  /** The `none` design's check; null for the others. */
  control: Control | null;
  evaluation: { resamples: number; unit: "patient"; seed: number; stream: string };
}

/**
 * Decomposes the metrics of `runs` by `study`'s design. The runs must share configuration, data
 * and backend (else the differences would be the configuration's); each is attributed by its
 * recorded per-source seeds (`classifyRuns`).
 */
export function analyseStudy(study: Study, runs: readonly StudyRun[], confidence: number): { body: VarianceBody; inputs: string[] } {
  const differences = checkUniform(runs, "study runs", true);
  if (differences.length) throw new TaskError("mixed_runs", `the study's runs differ in ${describeDifferences(differences)}: a variance study compares runs of one configuration`, { exitCode: 2 });
  const groups = classifyRuns(study, runs);
  const inputs = runs.flatMap((r) => r.files);
  let noise: ReturnType<typeof evaluationNoise> | null = null;
  if (study.bootstrap > 0) {
    const predictions = runs.map((r) => readPredictions(r.dir));
    inputs.push(...predictions.map((p) => p.file));
    noise = evaluationNoise(predictions, study.bootstrap, (i) => stream(study.baseSeed, `variance/evaluation/${i}`));
  }
  const metrics = Object.fromEntries(METRIC_NAMES.map((m) => [m, decompose(groups, m, noise ? noise[m] : null, confidence)])) as Record<MetricName, MetricDecomposition>;
  const backend = (runs[0] as StudyRun).backend;
  const deterministic = runs.every((r) => deterministicBackend(r.backend, r.deterministic));
  const body: VarianceBody = {
    design: study.design,
    sources: study.sources,
    n: study.n,
    m: study.m,
    base_seed: study.baseSeed,
    confidence,
    backend,
    deterministic_backend: deterministic,
    runs: runs.map((r) => ({ dir: r.dir, seed: r.seed, seeds: r.seeds, weights_sha256: r.weightsSha256, metrics: r.metrics })),
    metrics,
    control: study.design === "none" ? control(runs, backend, deterministic) : null,
    evaluation: { resamples: study.bootstrap, unit: "patient", seed: study.baseSeed, stream: "variance/evaluation/<run index>" },
  };
  return { body, inputs };
}

function control(runs: readonly StudyRun[], backend: string, deterministic: boolean): Control {
  const weights = new Set(runs.map((r) => r.weightsSha256 ?? `missing:${r.dir}`));
  const metrics = new Set(runs.map((r) => JSON.stringify(r.metrics)));
  const identical = weights.size === 1 && metrics.size === 1 && runs.every((r) => r.weightsSha256 !== null);
  const verdict = identical
    ? `${runs.length} runs with the same seeds are bit-identical on backend ${backend} (weights SHA-256 ${(runs[0] as StudyRun).weightsSha256?.slice(0, 12)}…): every variance is 0`
    : `${runs.length} runs with the same seeds are NOT bit-identical on backend ${backend} (${weights.size} distinct weights, ${metrics.size} distinct metric sets)${deterministic ? ": this backend is deterministic, so this is a reproducibility failure" : " (expected: this backend is not deterministic)"}`;
  return { bit_identical: identical, distinct_weights: weights.size, deterministic_backend: deterministic, verdict };
}
