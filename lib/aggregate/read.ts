import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { TaskError } from "../errors/index.ts";
import { readJson } from "../artifacts/index.ts";
import { CLASS_NAMES, valMetricsSchema } from "../metrics/index.ts";
import { pickMetrics, type RunMetrics } from "./metrics.ts";

/** The part of a run's `summary.json` the aggregate needs. */
const summarySchema = z.object({
  seed: z.number().int(),
  fold: z.number().int().min(1).nullable(),
  config: z.record(z.string(), z.unknown()),
  data_fingerprint: z.string(),
  backend: z.string(),
});

const cvSummarySchema = z.object({
  folds: z.array(z.object({ fold: z.number().int() })),
  missing_folds: z.array(z.number().int()),
});

/** One training run as the aggregate sees it. */
export interface Run {
  dir: string;
  /** The CV directory it belongs to, or null for a hold-out run. */
  cvDir: string | null;
  seed: number;
  /** 1..k for a CV fold, null for a hold-out run. */
  fold: number | null;
  /** Hyperparameters (everything but the seed), from `summary.json` `config`. */
  config: Record<string, unknown>;
  dataFingerprint: string;
  backend: string;
  /** From `metrics/val_metrics.json` (best epoch). */
  metrics: RunMetrics;
  /** Files read, for the artifact's input hashes. */
  files: string[];
}

export function readRun(dir: string, cvDir: string | null): Run {
  const summaryPath = join(dir, "summary.json");
  const metricsPath = join(dir, "metrics", "val_metrics.json");
  const summary = readJson(summaryPath, summarySchema, "run summary");
  const metrics = readJson(metricsPath, valMetricsSchema, "validation metrics");
  return {
    dir,
    cvDir,
    seed: summary.seed,
    fold: summary.fold,
    config: summary.config,
    dataFingerprint: summary.data_fingerprint,
    backend: summary.backend,
    metrics: pickMetrics(metrics),
    files: [summaryPath, metricsPath],
  };
}

/** Folds a CV directory's `cv_summary.json` lists as missing (failed or not run). */
export function missingFolds(cvDir: string): number[] {
  return readJson(join(cvDir, "cv_summary.json"), cvSummarySchema, "cross-validation summary").missing_folds;
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

export function readPredictions(dir: string): Predictions {
  const file = join(dir, "val_predictions.csv");
  if (!existsSync(file)) throw new TaskError("missing_artifact", `missing validation predictions: ${file} (needed for the bootstrap; --bootstrap 0 skips it)`, { exitCode: 2 });
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
