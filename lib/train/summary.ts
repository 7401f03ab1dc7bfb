import { z } from "zod";
import { defineArtifact, enveloped } from "../artifacts/index.ts";
import type { ValMetrics } from "../metrics/index.ts";
import { SEED_SOURCES, STREAM_SCHEME, type SourceSeeds } from "../rng/index.ts";
import { BACKENDS, trainParams, type TrainParams } from "./params.ts";

/** camelCase → snake_case (`batchSize` → `batch_size`). */
export const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The hyperparameters as summary.json records them: every param in snake_case, with the resolved
 * values where the flag left a choice (`backend` is the backend in use, `lr_schedule` the schedule
 * that ran), and `null` for unset optional params so every run lists the same keys.
 */
export function hyperparameters(params: TrainParams, resolved: { backend: string; lrSchedule: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(params).sort()) out[snake(key)] = (params as Record<string, unknown>)[key] ?? null;
  for (const key of ["runDir", "subset", "lrSchedule", "pretrained", "embeddingsDir", "optunaTrialId", "rayTrialName", "rayLogdir", "split", "fold", "loaderWorkers", "seedSplit", "seedInit", "seedOrder", "seedAugment", "seedDropout"]) {
    out[snake(key)] ??= null;
  }
  out.backend_requested = params.backend;
  out.backend = resolved.backend;
  out.lr_schedule = resolved.lrSchedule;
  return out;
}

/** Hyperparameter keys that do not define the configuration (see `summaryBody`). */
const NOT_CONFIG = new Set([
  "seed", ...SEED_SOURCES.map((s) => `seed_${s}`), "csv", "dicom_root", "outdir", "run_dir", "resume", "cache_dir", "split", "fold", "optuna_trial_id", "ray_trial_name", "ray_logdir", "gradcam_samples", "backend_requested",
  // how the work is spread, not what is computed
  "loader_workers", "allow_software_gpu",
]);

/** A train param as summary.json records it: its value (a defaulted one is always there), null when an optional one is unset. */
function recorded(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodOptional) return (field.unwrap() as z.ZodType).nullable();
  return field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
}

const hyperparameterShape = Object.fromEntries(Object.entries(trainParams.shape).map(([key, field]) => [snake(key), recorded(field)]));

/** The summary's short form of metrics (the report pack's keys). */
export const summaryMetricsSchema = z.object({
  accuracy: z.number(),
  kappa_quadratic: z.number().nullable(),
  macro_f1: z.number(),
  weighted_f1: z.number(),
  auc_ovr: z.number().nullable(),
});

/** `summary.json`: the envelope, every hyperparameter (snake_case), and what the run found; written last, it marks a finished run. */
export const summarySchema = enveloped(
  z.object({
    ...hyperparameterShape,
    // The hyperparameters other tasks read, typed here (the same fields as in the spread above).
    seed: z.number().int(),
    img_size: trainParams.shape.imgSize.unwrap(),
    window: trainParams.shape.window.unwrap(),
    deterministic: trainParams.shape.deterministic.unwrap(),
    /** The --backend asked for; `backend` is the one in use. */
    backend_requested: z.enum(BACKENDS),
    backend: z.string(),
    /** The learning-rate schedule that ran. */
    lr_schedule: z.string(),
    /** What must match for runs to be aggregated as one configuration (hyperparameters minus seeds, paths, names). */
    config: z.record(z.string(), z.unknown()),
    /** Root seed of each source of randomness. */
    seeds: z.object(Object.fromEntries(SEED_SOURCES.map((s) => [s, z.number().int()])) as Record<(typeof SEED_SOURCES)[number], z.ZodNumber>),
    backend_details: z.record(z.string(), z.string()),
    versions: z.record(z.string(), z.string().nullable()),
    rng_scheme: z.string(),
    data_fingerprint: z.string(),
    split_hash: z.string(),
    split_source: z.string(),
    /** SHA-256 of the CSV and of every DICOM read, by path. */
    data_hashes: z.record(z.string(), z.string()),
    reproducibility: z.object({ git_commit: z.string().nullable(), git_dirty: z.boolean().nullable(), command_line: z.string(), cwd: z.string(), timestamp: z.string() }),
    /** 1..k for a CV fold, null for hold-out. */
    fold: z.number().int().min(1).nullable(),
    class_weight_values: z.array(z.number()).nullable(),
    n_train: z.number().int().nonnegative(),
    n_val: z.number().int().nonnegative(),
    n_test: z.number().int().nonnegative(),
    epochs_completed: z.number().int().nonnegative(),
    stopped_early: z.boolean(),
    best_metric_name: z.string(),
    best_metric: z.number().nullable(),
    best_epoch: z.number().int().nullable(),
    val_metrics: summaryMetricsSchema.nullable(),
    test_metrics: summaryMetricsSchema.nullable(),
    /** What each set of metrics may claim. */
    evaluation: z.object({ val: z.string(), test: z.string().nullable() }),
    /** SHA-256 of the best epoch's weights (the reproducibility fingerprint) and of the last epoch's. */
    weights_sha256: z.string(),
    final_weights_sha256: z.string(),
    finished_at: z.string(),
    /** Share of training time the steps waited for their batch. */
    data_wait_fraction: z.number().nullable(),
  }),
);

export const summaryJson = defineArtifact({
  name: "summary",
  path: "<run dir>/summary.json",
  format: "json",
  schema: summarySchema,
  enveloped: true,
  writer: "lib/train/finish.ts",
  readers: ["lib/aggregate/read.ts", "lib/repro/collect.ts", "lib/predict/models.ts", "lib/variance/read.ts", "lib/runs/table.ts", "reports/inputs/run.ts"],
  description: "A finished training run: the reference pipeline's keys (seed, every hyperparameter, reproducibility, data_hashes, best_metric, best_metric_name, best_epoch, finished_at, val_metrics) plus the configuration, per-source seeds, backend, fingerprints and sample counts.",
  version: 1,
});

/** The summary's short form of validation metrics (the report pack's keys). */
export function summaryMetrics(m: ValMetrics) {
  return { accuracy: m.acc, kappa_quadratic: m.kappa_quadratic, macro_f1: m.macro_f1, weighted_f1: m.weighted_f1, auc_ovr: m.auc_ovr };
}

/** What a run knows about itself, apart from the params. */
export interface RunFacts {
  /** Root seed of each source as used (split: split.json's seed when the split came from a file). */
  seeds: SourceSeeds;
  backend: string;
  backendDetails: Record<string, string>;
  versions: Record<string, string | null>;
  dataFingerprint: string;
  splitHash: string;
  splitSource: string;
  dataHashes: Record<string, string>;
  reproducibility: { git_commit: string | null; git_dirty: boolean | null; command_line: string; cwd: string; timestamp: string };
  fold: number | null;
  classWeightValues: number[] | null;
  trainSamples: number;
  valSamples: number;
  /** Samples of the held-out test part (0 without one). */
  testSamples: number;
  /** The held-out test part's metrics with the best epoch's weights, or null. */
  test: (ValMetrics & { epoch: number }) | null;
  epochsCompleted: number;
  stoppedEarly: boolean;
  best: (ValMetrics & { epoch: number }) | null;
  bestValue: number | null;
  selectMetric: string;
  weightsSha256: string;
  finalWeightsSha256: string;
  finishedAt: string;
  /** Share of training time (validation excluded) the steps spent waiting for their batch, over the epochs of this run. */
  dataWaitFraction: number | null;
}

/** The body of summary.json (the task's envelope is added by the artifact store). */
export function summaryBody(params: TrainParams, resolved: { backend: string; lrSchedule: string }, facts: RunFacts) {
  const hp = hyperparameters(params, resolved);
  // `config` is what must match for runs to be aggregated as one configuration: the seeds, where
  // things are read from or written to, and per-run names are left out (the data itself is
  // compared through data_fingerprint, the split through split_hash; the seeds through `seeds`).
  const config = Object.fromEntries(Object.entries(hp).filter(([k]) => !NOT_CONFIG.has(k)));
  return {
    seed: params.seed,
    ...hp,
    // typed here for the schema (the same values as in hp)
    img_size: params.imgSize,
    window: params.window,
    deterministic: params.deterministic,
    backend_requested: params.backend,
    lr_schedule: resolved.lrSchedule,
    config,
    seeds: facts.seeds,
    backend: facts.backend,
    backend_details: facts.backendDetails,
    versions: facts.versions,
    rng_scheme: STREAM_SCHEME,
    data_fingerprint: facts.dataFingerprint,
    split_hash: facts.splitHash,
    split_source: facts.splitSource,
    data_hashes: facts.dataHashes,
    reproducibility: facts.reproducibility,
    fold: facts.fold,
    class_weight_values: facts.classWeightValues,
    n_train: facts.trainSamples,
    n_val: facts.valSamples,
    n_test: facts.testSamples,
    epochs_completed: facts.epochsCompleted,
    stopped_early: facts.stoppedEarly,
    best_metric_name: facts.selectMetric,
    best_metric: facts.bestValue,
    best_epoch: facts.best?.epoch ?? null,
    val_metrics: facts.best ? summaryMetrics(facts.best) : null,
    test_metrics: facts.test ? summaryMetrics(facts.test) : null,
    // What each set of metrics may claim: the best epoch is chosen on the validation part.
    evaluation: {
      val: `metrics/val_metrics.json: the best epoch was chosen on this validation part by ${facts.selectMetric}, so these numbers are optimistic`,
      test: facts.test
        ? `metrics/test_metrics.json: held-out test part (${facts.testSamples} samples), never used for training, early stopping or model selection; evaluated once with the best epoch's weights`
        : null,
    },
    weights_sha256: facts.weightsSha256,
    final_weights_sha256: facts.finalWeightsSha256,
    finished_at: facts.finishedAt,
    data_wait_fraction: facts.dataWaitFraction,
  };
}
