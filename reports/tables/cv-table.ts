import { basename } from "node:path";
import { CV_CONFIDENCE } from "../../lib/cv/index.ts";
import type { CvSummary } from "../inputs/cv.ts";
import { SPREAD_METRICS } from "../metrics.ts";
import { intervalCell, meanSdCell, numberCell, textCell, type Cell, type TableModel } from "./model.ts";
import { decimalsFor } from "./precision.ts";

/** The folds listed in `missing_folds` (numbers, or `{fold, error}` records), as text. */
export function missingFolds(cv: CvSummary): string[] {
  return cv.missing_folds.map((m) => (m !== null && typeof m === "object" && "fold" in m ? String((m as { fold: unknown }).fold) : String(m)));
}

/** `SD`, or `σ (sample)` when the cv summary says which σ it holds. */
export function cvSigmaLabel(cv: CvSummary): { text: string; tex: string } {
  return cv.sigma === undefined ? { text: "SD", tex: "SD" } : { text: `σ (${cv.sigma})`, tex: `$\\sigma$ (${cv.sigma})` };
}

/**
 * `density_cv_table`: one row per finished fold of `cv_summary.json`, then its mean ± SD and its
 * confidence interval, as the cv task computed them (no fold is marked best). Failed folds are named
 * in the caption.
 */
export function cvTable(cv: CvSummary): TableModel {
  const value = (metrics: Record<string, number | null> | undefined, key: string) => metrics?.[key] ?? null;
  const rows: Cell[][] = cv.folds.map((f) => [textCell(`${f.fold} (${basename(f.outdir)})`), ...SPREAD_METRICS.map((m) => numberCell(value(f.metrics, m.key)))]);
  const sd = cvSigmaLabel(cv);
  const summary: Cell[][] = [[{ text: `Mean ± ${sd.text}`, tex: `Mean $\\pm$ ${sd.tex}` }, ...SPREAD_METRICS.map((m) => meanSdCell(value(cv.mean, m.key), value(cv.std, m.key)))]];
  const level = `${Math.round(100 * CV_CONFIDENCE)}`;
  const hasCi = cv.ci_low !== undefined && cv.ci_high !== undefined;
  if (hasCi) summary.push([{ text: `${level} % CI`, tex: `${level}\\,\\% CI` }, ...SPREAD_METRICS.map((m) => intervalCell(value(cv.ci_low, m.key), value(cv.ci_high, m.key), decimalsFor(value(cv.std, m.key))))]);
  const missing = missingFolds(cv);
  const missingText = missing.length ? ` Fold${missing.length > 1 ? "s" : ""} ${missing.join(", ")} did not finish and ${missing.length > 1 ? "are" : "is"} not included.` : "";
  const head = `${cv.folds.length + missing.length}-fold cross-validation${cv.seed === undefined ? "" : ` (seed ${cv.seed})`}: validation metrics per fold (best epoch)`;
  return {
    name: "density_cv_table",
    caption: {
      text: `${head}, mean ± ${sd.text}${hasCi ? ` and ${level} % confidence interval` : ""} over the folds.${missingText} Mean ± σ with the precision σ allows (σ to two significant digits).`,
      tex: `${head}, mean $\\pm$ ${sd.tex}${hasCi ? ` and ${level}\\,\\% confidence interval` : ""} over the folds.${missingText} Mean $\\pm$ $\\sigma$ with the precision $\\sigma$ allows (two significant digits).`,
    },
    align: `l${"c".repeat(SPREAD_METRICS.length)}`,
    header: [textCell("Fold"), ...SPREAD_METRICS.map((m) => ({ text: m.label, tex: m.tex }))],
    groups: [rows, summary],
  };
}
