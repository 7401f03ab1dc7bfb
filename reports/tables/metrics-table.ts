import { basename } from "node:path";
import type { Aggregate } from "../inputs/aggregate.ts";
import { TABLE_METRICS } from "../metrics.ts";
import { boldBest, meanSdCell, numberCell, textCell, type Cell, type TableModel } from "./model.ts";

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
 * Macro-F1 & AUC (OvR)`, as the reference), then mean ± σ and CV % from the aggregate's
 * statistics. Three decimals; the best run value per column in bold.
 */
export function metricsTable(aggregate: Aggregate): TableModel {
  const runs = [...aggregate.runs].sort((a, b) => a.seed - b.seed || (a.fold ?? 0) - (b.fold ?? 0));
  const rows: Cell[][] = runs.map((run) => [textCell(runLabel(run)), ...TABLE_METRICS.map((m) => numberCell(run.metrics[m.key]))]);
  boldBest(
    rows,
    TABLE_METRICS.map((_, i) => i + 1),
  );
  const stats = (key: string) => aggregate.metrics[key];
  const sigma = aggregate.sigma;
  const summary: Cell[][] = [
    [
      { text: `Mean ± σ (${sigma})`, tex: `Mean $\\pm$ $\\sigma$ (${sigma})` },
      ...TABLE_METRICS.map((m) => meanSdCell(stats(m.key)?.mean, stats(m.key)?.std)),
    ],
    [{ text: "CV (%)", tex: "CV (\\%)" }, ...TABLE_METRICS.map((m) => numberCell(stats(m.key)?.cv_pct))],
  ];
  const words = sigmaWords(sigma);
  const n = runs.length;
  return {
    name: "density_metrics_table",
    caption: {
      text: `Validation metrics of the density model per seed (best epoch). Mean ± σ over ${n} runs; ${words.text}. CV: coefficient of variation (σ / mean, in percent). Best value per column in bold.`,
      tex: `Validation metrics of the density model per seed (best epoch). Mean $\\pm$ $\\sigma$ over ${n} runs; ${words.tex}. CV: coefficient of variation ($\\sigma$ / mean, in percent). Best value per column in bold.`,
    },
    align: `l${"c".repeat(TABLE_METRICS.length)}`,
    header: [textCell("Seed"), ...TABLE_METRICS.map((m) => ({ text: m.label, tex: m.tex }))],
    groups: [rows, summary],
  };
}
