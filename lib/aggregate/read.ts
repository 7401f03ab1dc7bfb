import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { TaskError, usageError } from "../errors/index.ts";
import { readJson } from "../artifacts/index.ts";
import { cvFoldSchema, cvSummarySchema } from "../cv/index.ts";
import { CLASS_NAMES, valMetricsSchema } from "../metrics/index.ts";
import { summarySchema } from "../train/summary.ts";
import { sourceSeeds, type SourceSeeds } from "../rng/index.ts";
import { pickMetrics, type RunMetrics } from "./metrics.ts";
import { REFERENCE_BACKEND, foldFromPath, isReferenceSummary, referenceConfig, referenceDataIdentity, referenceMetrics, referenceSummarySchema, referenceValMetricsSchema } from "./reference.ts";

/** The part of a run's `summary.json` the aggregate needs; `seeds` is absent in runs made before sources existed (all followed `seed`). */
const summaryPart = summarySchema.pick({ seed: true, fold: true, config: true, data_fingerprint: true, backend: true, seeds: true }).partial({ seeds: true });

/** The part of cv_summary.json the aggregate needs, from the cv task's file or the reference pipeline's (which has no `missing_folds`). */
const cvPart = z.object({
  folds: z.array(cvFoldSchema.pick({ fold: true })),
  missing_folds: cvSummarySchema.shape.missing_folds.default([]),
});

/**
 * Which evaluation of a run to read: `val` (metrics/val_metrics.json, val_predictions.csv: the
 * validation part, on which the best epoch was chosen) or `test` (metrics/test_metrics.json,
 * test_predictions.csv: the held-out test part, never seen before the final evaluation).
 */
export type EvaluatedPart = "val" | "test";

/** One training run as the aggregate sees it. */
export interface Run {
  dir: string;
  /** The CV directory it belongs to, or null for a hold-out run. */
  cvDir: string | null;
  seed: number;
  /** Root seed of each source of randomness (summary.json `seeds`; every source = `seed` for older runs). */
  seeds: SourceSeeds;
  /** 1..k for a CV fold, null for a hold-out run. */
  fold: number | null;
  /** Hyperparameters (everything but the seed), from `summary.json` `config`. */
  config: Record<string, unknown>;
  dataFingerprint: string;
  backend: string;
  /** From `metrics/val_metrics.json` (best epoch; the last epoch for reference-pipeline runs). */
  metrics: RunMetrics;
  /** `project`: written by this project's train task; `reference`: by the reference (Python) pipeline. */
  origin: "project" | "reference";
  /** Files read, for the artifact's input hashes. */
  files: string[];
}

/**
 * Reads one finished run: this project's (summary.json with `config`, `fold`, `backend`,
 * `data_fingerprint`; val_metrics.json of the best epoch) or the reference pipeline's (see
 * `reference.ts`: the fold comes from the `fold_k` directory, the configuration from the
 * hyperparameters, the data identity from `data_hashes`).
 */
export function readRun(dir: string, cvDir: string | null, part: EvaluatedPart = "val"): Run {
  const summaryPath = join(dir, "summary.json");
  const metricsPath = join(dir, "metrics", `${part}_metrics.json`);
  const raw = readJson(summaryPath, z.record(z.string(), z.unknown()), "run summary");
  if (isReferenceSummary(raw)) {
    if (part === "test") throw usageError("no_test_set", `${dir} was written by the reference pipeline, which has no held-out test set (--part test needs ${metricsPath})`);
    const summary = readJson(summaryPath, referenceSummarySchema, "run summary (reference pipeline)");
    const hasMetrics = existsSync(metricsPath);
    const metrics = hasMetrics ? readJson(metricsPath, referenceValMetricsSchema, "validation metrics (reference pipeline)") : null;
    return {
      dir,
      cvDir,
      seed: summary.seed,
      // The reference pipeline drew every source from its one seed.
      seeds: sourceSeeds(summary.seed),
      fold: foldFromPath(dir, cvDir),
      config: referenceConfig(summary),
      dataFingerprint: referenceDataIdentity(summary),
      backend: REFERENCE_BACKEND,
      metrics: referenceMetrics(metrics, summary, { metrics: metricsPath, summary: summaryPath }),
      origin: "reference",
      files: hasMetrics ? [summaryPath, metricsPath] : [summaryPath],
    };
  }
  const summary = readJson(summaryPath, summaryPart, "run summary");
  if (part === "test" && !existsSync(metricsPath)) {
    throw usageError("no_test_set", `missing ${metricsPath}: the run's split has no test part (split --test-frac F, or a dataset split column, makes one)`);
  }
  const metrics = readJson(metricsPath, valMetricsSchema, part === "test" ? "test metrics" : "validation metrics");
  return {
    dir,
    cvDir,
    seed: summary.seed,
    seeds: summary.seeds ?? sourceSeeds(summary.seed),
    fold: summary.fold,
    config: summary.config,
    dataFingerprint: summary.data_fingerprint,
    backend: summary.backend,
    metrics: pickMetrics(metrics),
    origin: "project",
    files: [summaryPath, metricsPath],
  };
}

/** Folds a CV directory's `cv_summary.json` lists as missing (failed or not run). */
export function missingFolds(cvDir: string): number[] {
  return readJson(join(cvDir, "cv_summary.json"), cvPart, "cross-validation summary").missing_folds;
}

/** One run's validation predictions (`val_predictions.csv`), parsed. */
export interface Predictions {
  file: string;
  yTrue: Int32Array;
  yPred: Int32Array;
  /** Rows of [p_A, p_B, p_C, p_D]. */
  probs: Float64Array[];
  /** Resampling unit per row: `patient:<patient_id>`, or `accession:<accession>` when patient_id is empty or absent. */
  groups: string[];
}

const PROB_COLUMNS = CLASS_NAMES.map((c) => `p_${c}`);

export function readPredictions(dir: string, part: EvaluatedPart = "val"): Predictions {
  const file = join(dir, `${part}_predictions.csv`);
  if (!existsSync(file)) throw new TaskError("missing_artifact", `missing ${part === "test" ? "test" : "validation"} predictions: ${file} (needed for the bootstrap; --bootstrap 0 skips it)`, { exitCode: 2 });
  return parsePredictions(file);
}

/** Parses a predictions CSV with the columns of `val_predictions.csv` (test_predictions.csv and predict's predictions.csv have them too). */
export function parsePredictions(file: string): Predictions {
  const records = parse(readFileSync(file, "utf8"), { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const first = records[0];
  if (!first) throw new TaskError("bad_artifact", `${file}: no prediction rows`, { exitCode: 2 });
  const header = Object.keys(first);
  for (const col of ["accession", "y_true", "y_pred", ...PROB_COLUMNS]) {
    if (!header.includes(col)) throw new TaskError("bad_artifact", `${file}: missing column ${col} (columns: ${header.join(",") || "none"})`, { exitCode: 2 });
  }
  const n = records.length;
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const probs: Float64Array[] = [];
  const groups: string[] = [];
  records.forEach((rec, i) => {
    const line = i + 2; // 1-based, after the header
    const field = (col: string) => rec[col] ?? "";
    const classIndex = (col: string) => {
      const v = Number(field(col));
      if (field(col) === "" || !Number.isInteger(v) || v < 0 || v >= CLASS_NAMES.length) {
        throw new TaskError("bad_artifact", `${file} line ${line}: ${col} = "${field(col)}" (expected a class index 0..${CLASS_NAMES.length - 1})`, { exitCode: 2 });
      }
      return v;
    };
    yTrue[i] = classIndex("y_true");
    yPred[i] = classIndex("y_pred");
    probs.push(
      Float64Array.from(PROB_COLUMNS, (col) => {
        const v = Number(field(col));
        if (field(col) === "" || !Number.isFinite(v)) throw new TaskError("bad_artifact", `${file} line ${line}: ${col} = "${field(col)}" (expected a probability)`, { exitCode: 2 });
        return v;
      }),
    );
    const patient = field("patient_id");
    if (patient) groups.push(`patient:${patient}`);
    else if (field("accession")) groups.push(`accession:${field("accession")}`);
    else throw new TaskError("bad_artifact", `${file} line ${line}: neither patient_id nor accession is set`, { exitCode: 2 });
  });
  return { file, yTrue, yPred, probs, groups };
}
