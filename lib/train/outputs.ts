import { join } from "node:path";
import { z } from "zod";
import { csvInt, csvNumber, defineArtifact, enveloped, numericRow } from "../artifacts/index.ts";
import type { Sample } from "../dataset/index.ts";
import { valMetricsSchema, type ValMetrics } from "../metrics/index.ts";
import type { ArtifactStore } from "../task/index.ts";
import { HISTORY_COLUMNS, type HistoryRow } from "./loop.ts";

const WRITER = "lib/train/outputs.ts";

/** One row of `train_history.csv` as read (one per completed epoch; `seconds` is the one non-reproducible column). */
export const historyRowSchema = numericRow(HISTORY_COLUMNS);

export const trainHistoryCsv = defineArtifact({
  name: "train_history",
  path: "<run dir>/train_history.csv",
  format: "csv",
  schema: historyRowSchema,
  enveloped: false,
  writer: WRITER,
  readers: ["lib/repro/collect.ts", "lib/runs/table.ts", "reports/inputs/run.ts"],
  description: "One row per completed epoch (the reference pipeline's columns, plus the head learning rate `lr` and `seconds`), rewritten whole after each epoch; empty cells are undefined metrics.",
  version: 1,
});

export const trainHistoryJson = defineArtifact({
  name: "train_history_json",
  path: "<run dir>/train_history.json",
  format: "json",
  schema: z.array(z.object(Object.fromEntries(HISTORY_COLUMNS.map((c) => [c, c === "epoch" ? z.number().int() : z.number().nullable()])))),
  enveloped: false,
  sidecar: true,
  writer: WRITER,
  readers: [],
  description: "The rows of train_history.csv as a JSON array of numbers (null where a metric is undefined); its provenance is in train_history.json.provenance.json.",
  version: 1,
});

/** `metrics/val_metrics.json` and `metrics/test_metrics.json`: the envelope, then the metrics of one epoch. */
export const epochMetricsSchema = enveloped(valMetricsSchema);

export const valMetricsJson = defineArtifact({
  name: "val_metrics",
  path: "<run dir>/metrics/val_metrics.json",
  format: "json",
  schema: epochMetricsSchema,
  enveloped: true,
  writer: WRITER,
  readers: ["lib/aggregate/read.ts", "lib/repro/collect.ts", "lib/runs/table.ts", "tasks/cv.ts", "tasks/hpo.ts", "reports/inputs/run.ts"],
  description: "Validation metrics of the best epoch (`epoch`), rewritten when an epoch improves on the best: the reference pipeline's keys (acc, kappa_quadratic, macro_f1, auc_ovr, bal_acc, bal_acc_adj, confusion_matrix with rows = true label A..D, classification_report) plus weighted_f1.",
  version: 1,
});

export const testMetricsJson = defineArtifact({
  ...valMetricsJson,
  name: "test_metrics",
  path: "<run dir>/metrics/test_metrics.json",
  writer: "lib/train/test-eval.ts",
  readers: ["lib/aggregate/read.ts", "reports/inputs/run.ts"],
  description: "The held-out test part's metrics (the keys of val_metrics.json), evaluated once after training with the best epoch's weights (`epoch`); absent when the split has no test part.",
});

export const PREDICTION_COLUMNS = ["accession", "image_path", "professional_label", "y_true", "y_pred", "p_A", "p_B", "p_C", "p_D", "patient_id"] as const;

const classIndex = z.string().regex(/^[0-3]$/, "expected a class index 0..3");

/** One row of `val_predictions.csv` (and test_predictions.csv, predict's predictions.csv) as read. */
export const predictionRowSchema = z.object({
  accession: z.string(),
  image_path: z.string(),
  /** The label in the CSV, 1..4 (A..D). */
  professional_label: csvInt,
  y_true: classIndex,
  y_pred: classIndex,
  p_A: csvNumber,
  p_B: csvNumber,
  p_C: csvNumber,
  p_D: csvNumber,
  /** Empty when the DICOM has no PatientID (then the accession is the resampling unit). */
  patient_id: z.string(),
});

export const valPredictionsCsv = defineArtifact({
  name: "val_predictions",
  path: "<run dir>/val_predictions.csv",
  format: "csv",
  schema: predictionRowSchema,
  enveloped: false,
  writer: WRITER,
  readers: ["lib/aggregate/read.ts", "reports/inputs/run.ts"],
  description: "Validation predictions of the best epoch, one row per image: class indices 0..3 (y_true, y_pred), the professional label 1..4, the class probabilities, and the patient (the bootstrap's resampling unit).",
  version: 1,
});

export const testPredictionsCsv = defineArtifact({
  ...valPredictionsCsv,
  name: "test_predictions",
  path: "<run dir>/test_predictions.csv",
  writer: "lib/train/test-eval.ts",
  readers: ["lib/aggregate/read.ts"],
  description: "Predictions on the held-out test part with the best epoch's weights (the columns of val_predictions.csv).",
});

/** `train_history.csv` and `train_history.json`, rewritten whole after each epoch (atomic, so a reader never sees half a row). */
export function writeHistory(store: ArtifactStore, runDir: string, history: readonly HistoryRow[]): void {
  store.writeCsv(
    trainHistoryCsv,
    join(runDir, "train_history.csv"),
    HISTORY_COLUMNS,
    history.map((row) => HISTORY_COLUMNS.map((c) => row[c])),
  );
  store.writePlainJson(trainHistoryJson, join(runDir, "train_history.json"), history);
}

/** `metrics/val_metrics.json`: the validation metrics of the best epoch, with that epoch. */
export function writeValMetrics(store: ArtifactStore, runDir: string, metrics: ValMetrics & { epoch: number }): void {
  store.writeJson(valMetricsJson, join(runDir, "metrics", "val_metrics.json"), metrics);
}

/**
 * `val_predictions.csv` of one epoch (the best): class indices 0..3, the professional label 1..4.
 * `contract` names another file with the same columns (`test_predictions.csv`).
 */
export function writePredictions(
  store: ArtifactStore,
  runDir: string,
  samples: readonly Sample[],
  yPred: readonly number[],
  probs: readonly number[][],
  contract: typeof valPredictionsCsv = valPredictionsCsv,
): void {
  store.writeCsv(
    contract,
    join(runDir, `${contract.name}.csv`),
    PREDICTION_COLUMNS,
    samples.map((s, i) => {
      const p = probs[i] as number[];
      return [s.accession, s.imagePath, s.label, s.label - 1, yPred[i], p[0], p[1], p[2], p[3], s.patientId];
    }),
  );
}

/** The metrics HPO drivers read, from one epoch's validation metrics. */
export function hpoMetrics(epoch: number, m: ValMetrics) {
  return {
    epoch,
    val_acc: m.acc,
    kappa_quadratic: m.kappa_quadratic,
    macro_f1: m.macro_f1,
    macro_recall: m.classification_report["macro avg"].recall,
    auc_ovr: m.auc_ovr,
  };
}

const hpoMetricsSchema = z.object({
  epoch: z.number().int(),
  val_acc: z.number(),
  kappa_quadratic: z.number().nullable(),
  macro_f1: z.number(),
  macro_recall: z.number(),
  auc_ovr: z.number().nullable(),
});

export const optunaTrialJson = defineArtifact({
  name: "optuna_trial",
  path: "<run dir>/optuna_trial.json",
  format: "json",
  schema: enveloped(
    z.object({
      trial_id: z.string(),
      /** ISO-8601 time the run finished. */
      timestamp: z.string(),
      /** The select metric of the best epoch (null when undefined). */
      objective: z.number().nullable(),
      metrics: hpoMetricsSchema,
    }),
  ),
  enveloped: true,
  writer: WRITER,
  readers: ["reports/inputs/hpo.ts"],
  description: "With --optuna-trial-id: the reference pipeline's trial file (trial_id, timestamp, objective, metrics of the best epoch), envelope keys added beside them.",
  version: 1,
});

/** One line of `ray_<name>.jsonl`. */
export const rayLineSchema = hpoMetricsSchema.extend({ trial_name: z.string(), training_iteration: z.number().int() });

export const rayJsonl = defineArtifact({
  name: "ray_trial",
  path: "<ray logdir or run dir>/ray_<trial name>.jsonl",
  format: "jsonl",
  schema: rayLineSchema,
  enveloped: false,
  writer: WRITER,
  readers: ["reports/inputs/hpo.ts"],
  description: "With --ray-trial-name: one line per completed epoch with that epoch's metrics (the reference pipeline's keys), rewritten whole after each epoch.",
  version: 1,
});

/** `optuna_trial.json`: the trial's objective (the select metric of the best epoch) and that epoch's metrics. */
export function writeOptunaTrial(store: ArtifactStore, runDir: string, trialId: string, timestamp: string, objective: number | null, best: ValMetrics & { epoch: number }): string {
  const path = join(runDir, "optuna_trial.json");
  store.writeJson(optunaTrialJson, path, { trial_id: trialId, timestamp, objective, metrics: hpoMetrics(best.epoch, best) });
  return path;
}

/**
 * `ray_<name>.jsonl`, one line per epoch. Rewritten whole from the history of metrics, so that a
 * run resumed after a crash never leaves a duplicate or a missing line.
 */
export function writeRayLog(store: ArtifactStore, dir: string, trialName: string, lines: readonly z.input<typeof rayLineSchema>[]): string {
  const path = join(dir, `ray_${trialName}.jsonl`);
  store.writeJsonl(rayJsonl, path, lines);
  return path;
}
