import { basename } from "node:path";
import type { Aggregate } from "../inputs/aggregate.ts";
import { TABLE_METRICS } from "../metrics.ts";
import { cvCell, intervalCell, meanSdCell, numberCell, textCell, type Cell, type TableModel } from "./model.ts";
import { latexEscape } from "./latex-escape.ts";
import { decimalsFor } from "./precision.ts";

/** How a run is named in tables and text: `42 (results_4)`, or `42, fold 2 (results)`. */
export function runLabel(run: { seed: number; fold: number | null; dir: string }): string {
  return `${run.seed}${run.fold === null ? "" : `, fold ${run.fold}`} (${basename(run.dir)})`;
}

/** `σ` spelled out for captions: which standard deviation the aggregate used. */
export function sigmaWords(sigma: Aggregate["sigma"]): { text: string; tex: string } {
  return sigma === "sample"
    ? { text: "σ is the sample standard deviation (divides by n − 1)", tex: "$\\sigma$ is the sample standard deviation (divides by $n-1$)" }
    : { text: "σ is the population standard deviation (divides by n)", tex: "$\\sigma$ is the population standard deviation (divides by $n$)" };
}

/**
 * `density_metrics_table`: one row per run of `aggregate.json` (`Seed & Accuracy & $\kappa_q$ &
 * Macro-F1 & AUC (OvR)`, three decimals, as the reference), then mean ± σ, the t confidence
 * interval of the mean and CV % from the aggregate's statistics, with the precision the σ allows.
 * No run is marked best: seeds are draws from one configuration, not competitors.
 */
export function metricsTable(aggregate: Aggregate): TableModel {
  const runs = [...aggregate.runs].sort((a, b) => a.seed - b.seed || (a.fold ?? 0) - (b.fold ?? 0));
  const rows: Cell[][] = runs.map((run) => [textCell(runLabel(run)), ...TABLE_METRICS.map((m) => numberCell(run.metrics[m.key]))]);
  const stats = (key: string) => aggregate.metrics[key];
  const sigma = aggregate.sigma;
  const level = `${Math.round(100 * aggregate.confidence)}`;
  const n = runs.length;
  // Aggregates since issue 14 compute the t interval on the logit scale (clipped at the range where a run sits on a bound).
  const logit = TABLE_METRICS.some((m) => stats(m.key)?.t_ci_scale === "logit" || stats(m.key)?.t_ci_scale === "clipped");
  const clipped = TABLE_METRICS.filter((m) => stats(m.key)?.t_ci_scale === "clipped").map((m) => m.label);
  const summary: Cell[][] = [
    [
      { text: `Mean ± σ (${sigma})`, tex: `Mean $\\pm$ $\\sigma$ (${sigma})` },
      ...TABLE_METRICS.map((m) => meanSdCell(stats(m.key)?.mean, stats(m.key)?.std)),
    ],
  ];
  // With one run there is no spread: no interval, no CV.
  if (n > 1) {
    summary.push(
      [{ text: `${level} % CI (t${logit ? ", logit" : ""})`, tex: `${level}\\,\\% CI ($t$${logit ? ", logit" : ""})` }, ...TABLE_METRICS.map((m) => intervalCell(stats(m.key)?.t_ci_low, stats(m.key)?.t_ci_high, decimalsFor(stats(m.key)?.std)))],
      [{ text: "CV (%)", tex: "CV (\\%)" }, ...TABLE_METRICS.map((m) => cvCell(stats(m.key)?.cv_pct))],
    );
  }
  const words = sigmaWords(sigma);
  const over = n === 1 ? "a single run (no spread to estimate)" : `${n} runs`;
  const dof = `${n - 1} degree${n - 1 === 1 ? "" : "s"} of freedom`;
  const scale = logit ? `, on the logit scale so it stays inside the metric's range${clipped.length ? `; clipped to the range for ${clipped.join(", ")}, where a run sits on a bound` : ""}` : "";
  const ci = n > 1 ? { text: ` CI: ${level} % confidence interval of the mean (t distribution, ${dof}${scale}).`, tex: ` CI: ${level}\\,\\% confidence interval of the mean ($t$ distribution, ${dof}${latexEscape(scale)}).` } : { text: "", tex: "" };
  const cv = n > 1 ? { text: " CV: coefficient of variation (σ / mean, in percent).", tex: " CV: coefficient of variation ($\\sigma$ / mean, in percent)." } : { text: "", tex: "" };
  // Which data the numbers are about (aggregate --part): the validation part chose the best epoch.
  const what =
    aggregate.part === "test"
      ? "Held-out test metrics of the density model per seed (best epoch's weights; the test part is the same for every seed and was never used for training, early stopping or model selection)"
      : aggregate.part === "val"
        ? "Validation metrics of the density model per seed (best epoch, chosen on these same validation data, so optimistic)"
        : "Validation metrics of the density model per seed (best epoch)";
  return {
    name: aggregate.part === "test" ? "density_test_metrics_table" : "density_metrics_table",
    caption: {
      text: `${what}. Mean ± σ over ${over}; ${words.text}.${ci.text}${cv.text}`,
      tex: `${latexEscape(what)}. Mean $\\pm$ $\\sigma$ over ${over}; ${words.tex}.${ci.tex}${cv.tex}`,
    },
    align: `l${"c".repeat(TABLE_METRICS.length)}`,
    header: [textCell("Seed"), ...TABLE_METRICS.map((m) => ({ text: m.label, tex: m.tex }))],
    groups: [rows, summary],
  };
}

