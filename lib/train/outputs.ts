import { join } from "node:path";
import { writeCsvAtomic, writeFileAtomic, writeJsonAtomic } from "../artifacts/index.ts";
import type { Sample } from "../dataset/index.ts";
import type { ValMetrics } from "../metrics/index.ts";
import { HISTORY_COLUMNS, type HistoryRow } from "./loop.ts";

/** `train_history.csv` and `train_history.json`, rewritten whole after each epoch (atomic, so a reader never sees half a row). */
export function writeHistory(runDir: string, history: readonly HistoryRow[]): void {
  writeCsvAtomic(
    join(runDir, "train_history.csv"),
    HISTORY_COLUMNS,
    history.map((row) => HISTORY_COLUMNS.map((c) => row[c])),
  );
  writeJsonAtomic(join(runDir, "train_history.json"), history);
}

/** `metrics/val_metrics.json`: the validation metrics of the best epoch, with that epoch. */
export function writeValMetrics(runDir: string, metrics: ValMetrics & { epoch: number }): void {
  writeJsonAtomic(join(runDir, "metrics", "val_metrics.json"), metrics);
}

export const PREDICTION_COLUMNS = ["accession", "image_path", "professional_label", "y_true", "y_pred", "p_A", "p_B", "p_C", "p_D", "patient_id"] as const;

/**
 * `val_predictions.csv` of one epoch (the best): class indices 0..3, the professional label 1..4.
 * `file` names another file with the same columns (`test_predictions.csv`).
 */
export function writePredictions(runDir: string, samples: readonly Sample[], yPred: readonly number[], probs: readonly number[][], file = "val_predictions.csv"): void {
  writeCsvAtomic(
    join(runDir, file),
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

/** `optuna_trial.json`: the trial's objective (the select metric of the best epoch) and that epoch's metrics. */
export function writeOptunaTrial(runDir: string, trialId: string, timestamp: string, objective: number | null, best: ValMetrics & { epoch: number }): string {
  const path = join(runDir, "optuna_trial.json");
  writeJsonAtomic(path, { trial_id: trialId, timestamp, objective, metrics: hpoMetrics(best.epoch, best) });
  return path;
}

/**
 * `ray_<name>.jsonl`, one line per epoch. Rewritten whole from the history of metrics, so that a
 * run resumed after a crash never leaves a duplicate or a missing line.
 */
export function writeRayLog(dir: string, trialName: string, lines: readonly Record<string, unknown>[]): string {
  const path = join(dir, `ray_${trialName}.jsonl`);
  writeFileAtomic(path, lines.map((l) => JSON.stringify(l)).join("\n") + (lines.length ? "\n" : ""));
  return path;
}
