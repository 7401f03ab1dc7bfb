import { tQuantile } from "../../lib/stats/index.ts";
import type { Aggregate } from "../inputs/aggregate.ts";
import { SPREAD_METRICS } from "../metrics.ts";
import { latexEscape } from "./latex-escape.ts";
import { intervalCell, numberCell, textCell, type Cell, type TableModel } from "./model.ts";

/** What the aggregate's numbers are about, for captions: the validation part or the held-out test part. */
export function partWords(aggregate: Aggregate): { text: string; name: string } {
  return aggregate.part === "test"
    ? { text: "held-out test part (fixed across seeds, never used for training, early stopping or model selection)", name: "test" }
    : { text: "validation part (the best epoch was chosen on these same data, so the numbers are optimistic)", name: "val" };
}

/**
 * The plain sentence about few runs: a t interval on n ≤ 5 values is wide (its half-width is
 * t(0.975, n − 1) standard errors: 4.30 for three seeds). Empty for more runs.
 */
export function fewRunsSentence(aggregate: Aggregate): string {
  const n = Math.max(0, ...Object.values(aggregate.metrics).map((m) => m.n));
  if (n < 2 || n > 5) return "";
  const t = tQuantile(1 - (1 - aggregate.confidence) / 2, n - 1).toFixed(2);
  return `A t interval on ${n} values is wide: its half-width is ${t} standard errors, so it says little about where the mean lies; the bootstrap intervals describe the patients of the evaluation set, not the runs.`;
}

/** `[0.612, 0.771]`, with `*` when the t interval was clipped at the metric's range instead of computed on the logit scale. */
function tCell(m: Aggregate["metrics"][string]): Cell {
  const cell = intervalCell(m.t_ci_low, m.t_ci_high);
  return m.t_ci_scale === "clipped" ? { text: `${cell.text}*`, tex: `${cell.tex}*` } : cell;
}

/** `12 / 5000` resamples on which the metric was undefined. */
function undefinedCell(m: Aggregate["metrics"][string], resamples: number): Cell {
  if (m.boot_undefined === null || m.boot_undefined === undefined || resamples === 0) return numberCell(null);
  return textCell(`${m.boot_undefined} / ${resamples}`);
}

/**
 * `density_intervals_table` (`density_test_intervals_table` for the test part): per metric, the
 * mean over runs, the t interval of the mean on the logit scale (clipped at the range where a run
 * sits on a bound, marked *), the patient-bootstrap percentile and BCa intervals, and the number
 * of resamples on which the metric was undefined (left out of both), next to the intervals.
 */
export function intervalTable(aggregate: Aggregate): TableModel {
  const resamples = aggregate.bootstrap?.resamples ?? 0;
  const level = `${Math.round(100 * aggregate.confidence)}`;
  // The headline metrics and balanced accuracy, as the spread figures; per-class F1 intervals are in aggregate.json/csv.
  const metrics = SPREAD_METRICS.filter((m) => aggregate.metrics[m.key] !== undefined);
  const rows: Cell[][] = metrics.map((m) => {
    const s = aggregate.metrics[m.key] as Aggregate["metrics"][string];
    return [{ text: m.label, tex: m.tex }, numberCell(s.mean), tCell(s), intervalCell(s.boot_ci_low, s.boot_ci_high), intervalCell(s.boot_bca_low, s.boot_bca_high), undefinedCell(s, resamples)];
  });
  const part = partWords(aggregate);
  const clipped = metrics.some((m) => aggregate.metrics[m.key]?.t_ci_scale === "clipped");
  const few = fewRunsSentence(aggregate);
  const boot = resamples > 0 ? `Bootstrap: ${resamples} resamples of patients, percentile and BCa; resamples on which a metric is undefined (e.g. AUC with a class absent) are left out and counted in the last column.` : "No bootstrap was run.";
  const text = `${level} % intervals on the ${part.text}. t: interval of the mean over the runs on the logit scale, inside the metric's range${clipped ? " (* clipped to the range: a run sits on its bound)" : ""}. ${boot}${few ? ` ${few}` : ""}`;
  return {
    name: part.name === "test" ? "density_test_intervals_table" : "density_intervals_table",
    caption: { text, tex: latexEscape(text) },
    align: "lccccc",
    header: [textCell("Metric"), textCell("Mean"), { text: `${level} % CI (t, logit)`, tex: `${level}\\,\\% CI ($t$, logit)` }, { text: "Bootstrap (percentile)", tex: "Bootstrap (pct.)" }, textCell("Bootstrap (BCa)"), textCell("Undefined")],
    groups: [rows],
  };
}
