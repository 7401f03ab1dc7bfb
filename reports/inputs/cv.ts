import { join } from "node:path";
import { z } from "zod";
import { readJson } from "../../lib/artifacts/index.ts";

const stats = z.record(z.string(), z.number().nullable());

/**
 * `cv_summary.json` of a cross-validation run: one entry per finished fold, the folds that
 * failed, and the statistics the cv task computed over the folds (shown as given). `sigma`, when
 * the cv task records it, says which σ `std` is; the envelope is optional so that the reference
 * pipeline's files read too.
 */
const cvSummarySchema = z.looseObject({
  folds: z.array(z.looseObject({ fold: z.number().int(), outdir: z.string(), metrics: stats })),
  missing_folds: z.array(z.unknown()).default([]),
  mean: stats,
  std: stats,
  min: stats.optional(),
  max: stats.optional(),
  ci_low: stats.optional(),
  ci_high: stats.optional(),
  sigma: z.enum(["sample", "population"]).optional(),
  confidence: z.number().optional(),
  seed: z.number().int().optional(),
});
export type CvSummary = z.infer<typeof cvSummarySchema>;

/** Reads `<dir>/cv_summary.json`. */
export function readCvSummary(dir: string): CvSummary & { path: string } {
  const path = join(dir, "cv_summary.json");
  const summary = readJson(path, cvSummarySchema, "cross-validation summary");
  return { ...summary, folds: [...summary.folds].sort((a, b) => a.fold - b.fold), path };
}
