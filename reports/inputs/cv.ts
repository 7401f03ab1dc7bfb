import { join } from "node:path";
import { z } from "zod";
import { readJson } from "../../lib/artifacts/index.ts";
import { cvFoldSchema, cvSummarySchema } from "../../lib/cv/index.ts";

const stats = z.record(z.string(), z.number().nullable());
const written = cvSummarySchema.shape;

/**
 * What the report reads of `cv_summary.json` (the cv task's schema): one entry per finished fold,
 * the folds that failed, and the statistics the cv task computed over the folds (shown as given).
 * Metrics are keyed by name, and the envelope and the keys the reference pipeline's file lacks
 * (min, max, the interval, sigma, seed, missing_folds) are optional, so that its files read too.
 */
const cvPart = z.object({
  folds: z.array(cvFoldSchema.pick({ fold: true, outdir: true }).extend({ metrics: stats })),
  missing_folds: written.missing_folds.default([]),
  mean: stats,
  std: stats,
  min: stats.optional(),
  max: stats.optional(),
  ci_low: stats.optional(),
  ci_high: stats.optional(),
  sigma: written.sigma.optional(),
  seed: written.seed.optional(),
});
export type CvSummary = z.infer<typeof cvPart>;

/** Reads `<dir>/cv_summary.json`. */
export function readCvSummary(dir: string): CvSummary & { path: string } {
  const path = join(dir, "cv_summary.json");
  const summary = readJson(path, cvPart, "cross-validation summary");
  return { ...summary, folds: [...summary.folds].sort((a, b) => a.fold - b.fold), path };
}
