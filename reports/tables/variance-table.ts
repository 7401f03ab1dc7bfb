import type { SeedPlan, VarianceArtifact } from "../../lib/variance/index.ts";
import { metricName } from "../metrics.ts";
import { latexEscape } from "./latex-escape.ts";
import { fixed3, intervalCell, numberCell, textCell, type Cell, type TableModel } from "./model.ts";

/** The metric the table's interval and share columns are about (the reference pipeline's headline). */
export const PRIMARY_METRIC = "kappa_quadratic";
/** Metrics shown with their σ only. */
const OTHER_METRICS = ["accuracy", "macro_f1", "auc_ovr"] as const;

/** latexEscape, plus α (which it does not map and pdflatex's UTF-8 input does not know). */
const texText = (text: string) => text.split("α").map(latexEscape).join("\\ensuremath{\\alpha}");

const percentCell = (v: number | null | undefined): Cell => (v === null || v === undefined ? numberCell(null) : { text: `${Math.round(100 * v)} %`, tex: `${Math.round(100 * v)}\\,\\%` });

/** How a design is named in captions. */
export const DESIGN_TEXT: Record<string, string> = {
  none: "control: n runs with identical seeds",
  "one-at-a-time": "one source varied at a time, the others at the base seed",
  all: "every source varied together",
  crossed: "two sources crossed",
};

/**
 * `density_variance_table`: one row per source of randomness with its runs, σ of κ with the
 * confidence interval of σ and its share of the total variance, and σ of the other headline
 * metrics; then the total and the evaluation noise (bootstrap of the validation set).
 */
export function varianceTable(study: VarianceArtifact): TableModel {
  const primary = study.metrics[PRIMARY_METRIC];
  const sdOf = (metric: string, source: string) => study.metrics[metric]?.components.find((c) => c.source === source)?.sd ?? null;
  const rows: Cell[][] = (primary?.components ?? []).map((c) => [
    textCell(c.negative_estimate ? `${c.source} (negative → 0)` : c.source),
    textCell(String(c.n)),
    numberCell(c.sd),
    c.sd_ci_high === null && c.sd_ci_low !== null ? { text: `[${fixed3(c.sd_ci_low)}, ∞)`, tex: `[${fixed3(c.sd_ci_low)}, $\\infty$)` } : intervalCell(c.sd_ci_low, c.sd_ci_high),
    percentCell(c.share),
    ...OTHER_METRICS.map((m) => numberCell(sdOf(m, c.source))),
  ]);
  const blank = (n: number) => Array.from({ length: n }, () => textCell(""));
  const summary: Cell[][] = [
    [textCell("Total"), textCell(""), numberCell(primary?.total.sd), ...blank(2), ...OTHER_METRICS.map((m) => numberCell(study.metrics[m]?.total.sd))],
  ];
  if (primary?.evaluation) {
    summary.push([textCell("Evaluation (bootstrap)"), textCell(""), numberCell(primary.evaluation.sd), ...blank(2), ...OTHER_METRICS.map((m) => numberCell(study.metrics[m]?.evaluation?.sd))]);
  }
  const level = Math.round(100 * study.confidence);
  const kappa = metricName(PRIMARY_METRIC);
  const head = `Where the variance comes from (${study.design} design: ${DESIGN_TEXT[study.design] ?? study.design}; ${study.runs.length} runs, base seed ${study.base_seed}, backend ${study.backend})`;
  const tail = `Share: of ${primary?.total.of ?? "the total"}. Evaluation: σ of a fixed model's score over patient-bootstrap resamples of the validation set.${study.control ? ` ${study.control.verdict}.` : ""}`;
  return {
    name: "density_variance_table",
    caption: {
      text: `${head}: σ per source with the ${level} % confidence interval of σ for ${kappa.label}. ${tail}`,
      tex: `${latexEscape(head)}: $\\sigma$ per source with the ${level}\\,\\% confidence interval of $\\sigma$ for ${kappa.tex}. ${latexEscape(tail)}`,
    },
    align: `lr${"c".repeat(3 + OTHER_METRICS.length)}`,
    header: [
      textCell("Source"),
      textCell("Runs"),
      { text: `σ ${kappa.label}`, tex: `$\\sigma$ ${kappa.tex}` },
      { text: `${level} % CI of σ`, tex: `${level}\\,\\% CI` },
      textCell("Share"),
      ...OTHER_METRICS.map((m) => ({ text: `σ ${metricName(m).label}`, tex: `$\\sigma$ ${metricName(m).tex}` })),
    ],
    groups: [rows, summary],
  };
}

/** `density_seed_plan`: the planner's numbers; its caption is the planner's sentence. */
export function seedPlanTable(plan: SeedPlan): TableModel {
  const metric = metricName(plan.metric);
  const rows: [string, Cell][] = [
    ["Pilot", textCell(`${plan.pilot.n} ${plan.design === "paired" ? "pairs" : "runs"} (${plan.pilot.kind})`)],
    [plan.design === "paired" ? "σ of the paired differences" : `σ of ${metric.label}`, numberCell(plan.pilot.sigma)],
    ["Difference to detect", numberCell(plan.delta)],
    ["α (two-sided)", textCell(String(plan.alpha))],
    ["Power", percentCell(plan.power)],
    [plan.design === "paired" ? "Paired seeds needed" : "Seeds per configuration needed", textCell(String(plan.n_required))],
    [`Smallest detectable difference with ${plan.pilot.n}`, numberCell(plan.min_detectable_delta)],
  ];
  const sentence = `${plan.sentence.charAt(0).toUpperCase()}${plan.sentence.slice(1)}.`;
  return {
    name: "density_seed_plan",
    caption: { text: sentence, tex: texText(sentence) },
    align: "lr",
    header: [textCell("Seed plan"), textCell("")],
    groups: [rows.map(([label, value]) => [{ text: label, tex: texText(label) }, value])],
  };
}
