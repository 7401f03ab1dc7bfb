import { z } from "zod";
import { TaskError } from "../errors/index.ts";
import { adjustBalanced, balancedFromScores, scoresFromConfusion } from "./classification.ts";
import { rocAucOvr } from "./auc.ts";
import { CLASS_NAMES, confusionMatrix, type Labels, type ProbabilityRows } from "./confusion.ts";
import { kappaFromConfusion } from "./kappa.ts";
import { classificationReportSchema, reportFromConfusion, type ClassificationReport } from "./report.ts";

/** Body of `metrics/val_metrics.json` (the writer adds `epoch`, the best epoch, 1-based). */
export interface ValMetrics {
  /** Accuracy. */
  acc: number;
  /** Cohen's kappa, quadratic weights; null when undefined (one single class, true and predicted). */
  kappa_quadratic: number | null;
  /** Macro-F1 over the 4 classes, zero_division = 0. */
  macro_f1: number;
  /** Support-weighted F1. */
  weighted_f1: number;
  /** One-vs-rest ROC AUC, macro average; null when a class is absent from y_true. */
  auc_ovr: number | null;
  /** Mean recall over the classes present in y_true. */
  bal_acc: number;
  /** (bal_acc − 1/4)/(1 − 1/4): 0 = chance, 1 = perfect. */
  bal_acc_adj: number;
  /** 4×4 counts, rows = true label 1..4 (A..D), columns = predicted. */
  confusion_matrix: number[][];
  /** sklearn `classification_report(output_dict=True)` with class keys "A".."D". */
  classification_report: ClassificationReport;
}

/** Schema of `metrics/val_metrics.json` as written by `train` (for readers). */
export const valMetricsSchema = z.object({
  acc: z.number(),
  kappa_quadratic: z.number().nullable(),
  macro_f1: z.number(),
  weighted_f1: z.number(),
  auc_ovr: z.number().nullable(),
  bal_acc: z.number(),
  bal_acc_adj: z.number(),
  confusion_matrix: z.array(z.array(z.number().int().nonnegative()).length(CLASS_NAMES.length)).length(CLASS_NAMES.length),
  classification_report: classificationReportSchema,
  epoch: z.number().int(),
});

/**
 * Every validation metric of one epoch from class indices (0..3) and class probabilities
 * (rows of 4). Metrics are computed on the fixed labels 0..3, whichever classes occur.
 */
export function computeValMetrics(yTrue: Labels, yPred: Labels, probs: ProbabilityRows): ValMetrics {
  const k = CLASS_NAMES.length;
  return valMetricsFromConfusion(confusionMatrix(yTrue, yPred, k), rocAucOvr(yTrue, probs, k));
}

/**
 * The same metrics from a 4×4 confusion matrix (counts, rows = true class) and the AUC, which is
 * the only metric that needs more than the matrix (e.g. for bootstrap resamples counted by weight).
 */
export function valMetricsFromConfusion(cm: number[][], aucOvr: number | null): ValMetrics {
  const k = CLASS_NAMES.length;
  if (cm.length !== k || cm.some((row) => row.length !== k)) throw new TaskError("bad_confusion", `confusion matrix must be ${k}×${k}, got ${JSON.stringify(cm)}`);
  if (!cm.some((row) => row.some((v) => v > 0))) throw new TaskError("bad_confusion", "confusion matrix is empty: metrics need at least one sample");
  const scores = scoresFromConfusion(cm);
  const report = reportFromConfusion(cm);
  const kappa = kappaFromConfusion(cm);
  const bal = balancedFromScores(scores);
  return {
    acc: report.accuracy,
    kappa_quadratic: Number.isNaN(kappa) ? null : kappa,
    macro_f1: report["macro avg"]["f1-score"],
    weighted_f1: report["weighted avg"]["f1-score"],
    auc_ovr: aucOvr,
    bal_acc: bal,
    bal_acc_adj: adjustBalanced(bal, k),
    confusion_matrix: cm,
    classification_report: report,
  };
}
