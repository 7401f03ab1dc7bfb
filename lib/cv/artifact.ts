import { z } from "zod";
import { defineArtifact, enveloped } from "../artifacts/index.ts";

/** Coverage of cv_summary.json's interval (ci_low, ci_high): a 95 % t interval. */
export const CV_CONFIDENCE = 0.95;

/** Metrics summarised across folds (keys of cv_summary.json, as upstream). */
export const CV_METRICS = ["accuracy", "kappa_quadratic", "macro_f1", "auc_ovr", "bal_acc"] as const;

const byMetric = z.object(Object.fromEntries(CV_METRICS.map((m) => [m, z.number().nullable()])) as Record<(typeof CV_METRICS)[number], z.ZodNullable<z.ZodNumber>>);

/** One finished fold of cv_summary.json. */
export const cvFoldSchema = z.object({ fold: z.number().int().min(1), outdir: z.string(), seed: z.number().int(), metrics: byMetric });
export type CvFold = z.infer<typeof cvFoldSchema>;
const failedFoldSchema = z.object({ fold: z.number().int().min(1), outdir: z.string(), error: z.string() });
export type FailedFold = z.infer<typeof failedFoldSchema>;

/** `cv_summary.json`: the reference pipeline's `{folds: [{fold, outdir, metrics}], mean, std}` plus min, max, t interval, failed folds and the split. */
export const cvSummarySchema = enveloped(
  z.object({
    k: z.number().int().min(2),
    seed: z.number().int(),
    /** The k-fold split.json the folds come from, and its split_hash. */
    split: z.string(),
    split_hash: z.string(),
    folds: z.array(cvFoldSchema),
    /** Folds that failed or did not run (the same command retries only those). */
    missing_folds: z.array(z.number().int()),
    failed_folds: z.array(failedFoldSchema),
    sigma: z.literal("sample"),
    evaluation: z.string(),
    mean: byMetric,
    std: byMetric,
    min: byMetric,
    max: byMetric,
    ci_low: byMetric,
    ci_high: byMetric,
    ci_method: z.string(),
  }),
);

export const cvSummaryJson = defineArtifact({
  name: "cv_summary",
  path: "<cv outdir>/cv_summary.json",
  format: "json",
  schema: cvSummarySchema,
  enveloped: true,
  writer: "tasks/cv.ts",
  readers: ["lib/aggregate/read.ts", "reports/inputs/cv.ts"],
  description: "A k-fold cross-validation: each finished fold's run directory, seed and best-epoch metrics, the folds missing, and mean, σ (sample), min, max and 95 % t interval per metric.",
  version: 1,
});
