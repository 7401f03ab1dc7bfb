import { latexEscape } from "./tables/latex-escape.ts";

/** How a metric of `aggregate.json` / `cv_summary.json` is named in figures, tables and text. */
export interface MetricName {
  /** Key in the artifacts (`kappa_quadratic`). */
  key: string;
  /** Plain-text label (`κ (quadratic)`), for figures and HTML. */
  label: string;
  /** Column header in LaTeX (`$\kappa_q$`), as the reference pipeline's table has it. */
  tex: string;
}

/** The four headline metrics, in the reference table's column order. */
export const TABLE_METRICS: readonly MetricName[] = [
  { key: "accuracy", label: "Accuracy", tex: "Accuracy" },
  { key: "kappa_quadratic", label: "κ (quadratic)", tex: "$\\kappa_q$" },
  { key: "macro_f1", label: "Macro-F1", tex: "Macro-F1" },
  { key: "auc_ovr", label: "AUC (OvR)", tex: "AUC (OvR)" },
];

/** Headline metrics plus balanced accuracy: the rows of the spread figures and the CV table. */
export const SPREAD_METRICS: readonly MetricName[] = [...TABLE_METRICS, { key: "bal_acc", label: "Balanced acc.", tex: "Bal.\\ acc." }];

/** Every metric the aggregate task summarises, headline ones first. */
export const ALL_METRICS: readonly MetricName[] = [
  ...SPREAD_METRICS,
  ...(["A", "B", "C", "D"] as const).map((c) => ({ key: `f1_${c}`, label: `F1 (class ${c})`, tex: `F1$_{${c}}$` })),
];

/** The name of metric `key`; unknown keys are shown as they are. */
export function metricName(key: string): MetricName {
  return ALL_METRICS.find((m) => m.key === key) ?? { key, label: key, tex: latexEscape(key) };
}
