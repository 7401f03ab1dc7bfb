import { z } from "zod";
import { accuracyFromConfusion, scoresFromConfusion, supportWeighted, type ClassScores } from "./classification.ts";
import { CLASS_NAMES, confusionMatrix, type Labels } from "./confusion.ts";

/** One row of sklearn's `classification_report(output_dict=True)`. */
export interface ReportEntry {
  precision: number;
  recall: number;
  "f1-score": number;
  /** Number of true samples (for the averages: all samples). */
  support: number;
}

export type ClassName = (typeof CLASS_NAMES)[number];

/**
 * sklearn's `classification_report(y_true, y_pred, labels=[0,1,2,3], target_names=["A","B","C","D"],
 * output_dict=True, zero_division=0)`: one entry per class, then "accuracy", "macro avg" and
 * "weighted avg" (support-weighted), in that key order. When a class is absent from both y_true and
 * y_pred sklearn names the accuracy entry "micro avg" (precision = recall = F1 = accuracy); here it
 * is always "accuracy", so readers find the same keys in every run.
 */
export type ClassificationReport = Record<ClassName, ReportEntry> & {
  accuracy: number;
  "macro avg": ReportEntry;
  "weighted avg": ReportEntry;
};

const entrySchema = z.object({ precision: z.number(), recall: z.number(), "f1-score": z.number(), support: z.number().int().nonnegative() });

export const classificationReportSchema = z.object({
  A: entrySchema,
  B: entrySchema,
  C: entrySchema,
  D: entrySchema,
  accuracy: z.number(),
  "macro avg": entrySchema,
  "weighted avg": entrySchema,
});

export function classificationReport(yTrue: Labels, yPred: Labels): ClassificationReport {
  return reportFromConfusion(confusionMatrix(yTrue, yPred, CLASS_NAMES.length));
}

export function reportFromConfusion(cm: readonly (readonly number[])[]): ClassificationReport {
  const scores = scoresFromConfusion(cm);
  const entry = (s: ClassScores): ReportEntry => ({ precision: s.precision, recall: s.recall, "f1-score": s.f1, support: s.support });
  const total = scores.reduce((a, s) => a + s.support, 0);
  const mean = (pick: (s: ClassScores) => number) => scores.reduce((a, s) => a + pick(s), 0) / scores.length;
  return {
    ...(Object.fromEntries(CLASS_NAMES.map((name, c) => [name, entry(scores[c] as ClassScores)])) as Record<ClassName, ReportEntry>),
    accuracy: accuracyFromConfusion(cm),
    "macro avg": { precision: mean((s) => s.precision), recall: mean((s) => s.recall), "f1-score": mean((s) => s.f1), support: total },
    "weighted avg": {
      precision: supportWeighted(scores, (s) => s.precision),
      recall: supportWeighted(scores, (s) => s.recall),
      "f1-score": supportWeighted(scores, (s) => s.f1),
      support: total,
    },
  };
}
