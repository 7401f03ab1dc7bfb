import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { hashJson, readJson } from "../artifacts/index.ts";
import { TaskError } from "../errors/index.ts";
import { CLASS_NAMES, classificationReportSchema, valMetricsSchema } from "../metrics/index.ts";
import type { RunMetrics } from "./metrics.ts";

/**
 * Run directories written by the reference (Python) pipeline, as REFERENCE.md describes them:
 * `summary.json` holds `seed`, the hyperparameters, `reproducibility`, `data_hashes`,
 * `best_metric(_name)`, `best_epoch`, `finished_at` and, once its report ran, `val_metrics` — no
 * fold, backend, data fingerprint or artifact envelope. `metrics/val_metrics.json` holds `acc`,
 * `kappa_quadratic`, `macro_f1`, `auc_ovr`, `bal_acc`, `bal_acc_adj`, `confusion_matrix` and
 * `classification_report` — no `epoch`, no `weighted_f1` — and is the LAST epoch's (a defect of
 * the reference pipeline), which the aggregate says when it reads one.
 */

/** What marks the project's own summary.json: the reference pipeline writes none of these. */
export function isReferenceSummary(summary: Record<string, unknown>): boolean {
  return !("config" in summary) && !("schemaVersion" in summary) && !("data_fingerprint" in summary);
}

/** The backend recorded for reference runs, which do not record one. */
export const REFERENCE_BACKEND = "reference-pipeline (PyTorch)";

/** Hyperparameter keys of a reference summary that do not define the configuration (paths, names, per-run facts). */
const NOT_CONFIG = new Set([
  "seed",
  "csv",
  "dicom_root",
  "outdir",
  "cv_outdir",
  "embeddings_dir",
  "optuna_trial_id",
  "ray_trial_name",
  "ray_logdir",
  "gradcam_samples",
  "reproducibility",
  "data_hashes",
  "best_metric",
  "best_metric_name",
  "best_epoch",
  "finished_at",
  "val_metrics",
  "run_dir",
]);

const nullableNumber = z.number().nullable().optional();

export const referenceSummarySchema = z.looseObject({
  seed: z.number().int(),
  data_hashes: z.record(z.string(), z.unknown()).optional(),
  val_metrics: z
    .looseObject({ accuracy: nullableNumber, kappa_quadratic: nullableNumber, macro_f1: nullableNumber, auc_ovr: nullableNumber })
    .nullable()
    .optional(),
});
export type ReferenceSummary = z.infer<typeof referenceSummarySchema>;

const reportEntry = z.looseObject({ "f1-score": z.number() });

/** The reference's `metrics/val_metrics.json` (every key the aggregate does not need is optional). */
export const referenceValMetricsSchema = z.looseObject({
  acc: z.number().optional(),
  accuracy: z.number().optional(),
  kappa_quadratic: z.number().nullable().optional(),
  macro_f1: z.number().optional(),
  auc_ovr: z.number().nullable().optional(),
  bal_acc: z.number().optional(),
  classification_report: z.record(z.string(), z.unknown()).optional(),
});
export type ReferenceValMetrics = z.infer<typeof referenceValMetricsSchema>;

/** The configuration of a reference run: its hyperparameters without paths, names and results. */
export function referenceConfig(summary: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(summary).filter(([k]) => !NOT_CONFIG.has(k)));
}

/**
 * The data identity of a reference run: a hash of its `data_hashes` (the CSV's and archive's
 * hashes it recorded), so runs on different data still refuse to aggregate together.
 */
export function referenceDataIdentity(summary: ReferenceSummary): string {
  return summary.data_hashes ? `reference:${hashJson(summary.data_hashes)}` : "reference:unknown";
}

/**
 * Fold k of `<cv-outdir>/fold_k/results*` (found through the CV directory, or given directly
 * when `<cv-outdir>` holds cv_summary.json), or null for a hold-out run.
 */
export function foldFromPath(runDir: string, cvDir: string | null): number | null {
  const foldDir = dirname(runDir);
  const m = /^fold_(\d+)$/.exec(basename(foldDir));
  if (!m) return null;
  return cvDir !== null || existsSync(join(dirname(foldDir), "cv_summary.json")) ? Number(m[1]) : null;
}

/**
 * Per-class F1 from a classification report keyed "A".."D", "1".."4" (labels 1–4) or "0".."3"
 * (class indices); null for each class when there is no report.
 */
function perClassF1(report: Record<string, unknown> | undefined, file: string): Pick<RunMetrics, "f1_A" | "f1_B" | "f1_C" | "f1_D"> {
  const keys = !report ? null : "A" in report ? ["A", "B", "C", "D"] : "4" in report ? ["1", "2", "3", "4"] : "0" in report ? ["0", "1", "2", "3"] : null;
  const f1 = CLASS_NAMES.map((_, c) => {
    if (!report || !keys) return null;
    const entry = reportEntry.safeParse(report[keys[c] as string]);
    if (!entry.success) throw new TaskError("bad_artifact", `${file}: classification_report has no f1-score for class ${keys[c]}`, { exitCode: 2 });
    return entry.data["f1-score"];
  });
  return { f1_A: f1[0] ?? null, f1_B: f1[1] ?? null, f1_C: f1[2] ?? null, f1_D: f1[3] ?? null };
}

/** The aggregate's metrics of a reference run, from val_metrics.json, else from summary.json's `val_metrics`. */
export function referenceMetrics(metrics: ReferenceValMetrics | null, summary: ReferenceSummary, files: { metrics: string; summary: string }): RunMetrics {
  if (metrics) {
    const acc = metrics.acc ?? metrics.accuracy;
    if (acc === undefined || metrics.macro_f1 === undefined) throw new TaskError("bad_artifact", `${files.metrics}: no acc or macro_f1`, { exitCode: 2 });
    return {
      accuracy: acc,
      kappa_quadratic: metrics.kappa_quadratic ?? null,
      macro_f1: metrics.macro_f1,
      auc_ovr: metrics.auc_ovr ?? null,
      bal_acc: metrics.bal_acc ?? null,
      ...perClassF1(metrics.classification_report, files.metrics),
    };
  }
  const v = summary.val_metrics;
  if (!v || v.accuracy === undefined || v.accuracy === null) {
    throw new TaskError("missing_artifact", `missing validation metrics: ${files.metrics} (and ${files.summary} has no val_metrics)`, { exitCode: 2 });
  }
  return {
    accuracy: v.accuracy,
    kappa_quadratic: v.kappa_quadratic ?? null,
    macro_f1: v.macro_f1 ?? null,
    auc_ovr: v.auc_ovr ?? null,
    bal_acc: null,
    f1_A: null,
    f1_B: null,
    f1_C: null,
    f1_D: null,
  };
}

/** val_metrics.json of either origin, in the project's shape; `epoch` null when the file does not say. */
export type AnyValMetrics = Omit<z.infer<typeof valMetricsSchema>, "epoch"> & { epoch: number | null };

const referenceFullSchema = z.looseObject({
  acc: z.number(),
  kappa_quadratic: z.number().nullable(),
  macro_f1: z.number(),
  weighted_f1: z.number().optional(),
  auc_ovr: z.number().nullable(),
  bal_acc: z.number(),
  bal_acc_adj: z.number().optional(),
  confusion_matrix: z.array(z.array(z.number().int().nonnegative()).length(CLASS_NAMES.length)).length(CLASS_NAMES.length),
  classification_report: z.record(z.string(), z.unknown()),
  epoch: z.number().int().optional(),
});

/**
 * Reads `metrics/val_metrics.json` written by this project or by the reference pipeline (no
 * `epoch`, no `weighted_f1`, class keys `A`..`D`, `1`..`4` or `0`..`3`): the classification
 * report comes back keyed `A`..`D`, `weighted_f1` from its weighted average. The reference's file
 * holds its last epoch, which `lastEpoch` (the last row of its train_history.csv) names when known.
 */
export function readAnyValMetrics(path: string, lastEpoch: number | null = null): AnyValMetrics {
  const own = valMetricsSchema.safeParse(readJson(path, z.unknown(), "validation metrics"));
  if (own.success) return own.data;
  const ref = readJson(path, referenceFullSchema, "validation metrics");
  const report = ref.classification_report;
  const keys = "A" in report ? ["A", "B", "C", "D"] : "4" in report ? ["1", "2", "3", "4"] : ["0", "1", "2", "3"];
  const normalised = {
    ...Object.fromEntries(CLASS_NAMES.map((c, i) => [c, report[keys[i] as string]])),
    accuracy: report.accuracy ?? ref.acc,
    "macro avg": report["macro avg"],
    "weighted avg": report["weighted avg"],
  };
  const parsed = classificationReportSchema.safeParse(normalised);
  if (!parsed.success) throw new TaskError("bad_artifact", `${path}: classification_report is not sklearn's output_dict with classes ${keys.join(", ")}`, { exitCode: 2 });
  return {
    acc: ref.acc,
    kappa_quadratic: ref.kappa_quadratic,
    macro_f1: ref.macro_f1,
    weighted_f1: ref.weighted_f1 ?? parsed.data["weighted avg"]["f1-score"],
    auc_ovr: ref.auc_ovr,
    bal_acc: ref.bal_acc,
    bal_acc_adj: ref.bal_acc_adj ?? (ref.bal_acc - 1 / CLASS_NAMES.length) / (1 - 1 / CLASS_NAMES.length),
    confusion_matrix: ref.confusion_matrix,
    classification_report: parsed.data,
    epoch: ref.epoch ?? lastEpoch,
  };
}
