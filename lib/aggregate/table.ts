import type { Comparison } from "./compare.ts";
import { tQuantile } from "../stats/index.ts";
import { METRIC_NAMES, type MetricName, type MetricSummary } from "./metrics.ts";

/** t(0.975, n − 1) to 2 decimals, e.g. "4.30" for n = 3. */
const tQuantileText = (n: number) => tQuantile(0.975, n - 1).toFixed(2);

const fmt = (x: number | null, digits = 3) => (x === null ? "n/a" : x.toFixed(digits));
const interval = (lo: number | null, hi: number | null) => (lo === null || hi === null ? "n/a" : `[${fmt(lo)}, ${fmt(hi)}]`);
const pValue = (p: number | null) => (p === null ? "n/a" : p < 0.001 ? "<0.001" : p.toFixed(3));

function render(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  ").trimEnd());
}

/** `[0.612, 0.771]`, with `*` when the t interval was clipped at the metric's range rather than computed on the logit scale. */
const tCell = (m: MetricSummary) => `${interval(m.t_ci_low, m.t_ci_high)}${m.t_ci_scale === "clipped" ? "*" : ""}`;

/** `12/5000`: resamples on which the metric was undefined (left out of both bootstrap intervals). */
const undefinedCell = (m: MetricSummary, resamples: number) => (m.boot_undefined === null || m.boot_undefined === undefined ? "n/a" : resamples > 0 ? `${m.boot_undefined}/${resamples}` : String(m.boot_undefined));

/**
 * The console summary: one line per metric, `mean ± σ`, the t interval (logit scale; `*` =
 * clipped at the range), the bootstrap percentile and BCa intervals and the number of resamples
 * on which the metric was undefined, 3 decimals; then notes on what the numbers can carry.
 */
export function summaryTable(metrics: Record<MetricName, MetricSummary>, sigma: string, confidence: number, resamples = 0): string[] {
  const pct = Math.round(confidence * 100);
  const rows = [["metric", "n", `mean ± σ (${sigma})`, `${pct}% t CI (logit)`, `${pct}% bootstrap CI`, `${pct}% BCa CI`, "undefined"]];
  for (const m of METRIC_NAMES) {
    const s = metrics[m];
    rows.push([m, String(s.n), `${fmt(s.mean)} ± ${fmt(s.std)}`, tCell(s), interval(s.boot_ci_low, s.boot_ci_high), interval(s.boot_bca_low, s.boot_bca_high), undefinedCell(s, resamples)]);
  }
  return [...render(rows), ...intervalNotes(metrics)];
}

/**
 * Plain-language notes under an interval table: which t intervals were clipped, and how wide a t
 * interval on few values is (t(0.975, 2) = 4.30: with three seeds the half-width is 4.3 standard
 * errors).
 */
export function intervalNotes(metrics: Record<MetricName, MetricSummary>): string[] {
  const notes: string[] = [];
  const clipped = METRIC_NAMES.filter((m) => metrics[m].t_ci_scale === "clipped");
  if (clipped.length) notes.push(`* t interval clipped to the metric's range (a value on its bound has no logit): ${clipped.join(", ")}`);
  const n = Math.max(0, ...METRIC_NAMES.map((m) => metrics[m].n));
  if (n >= 2 && n <= 5) {
    notes.push(
      `note: a t interval on ${n} values is wide: its half-width is ${tQuantileText(n)} standard errors; with so few runs it says little about where the mean lies (the bootstrap intervals describe the patients, not the runs)`,
    );
  }
  return notes;
}
/** The console comparison: one line per metric, A − B with its interval and p-values. */
export function comparisonTable(comparison: Comparison, confidence: number): string[] {
  const pct = Math.round(confidence * 100);
  const rows = [["A − B", "n", "Δ mean", `${pct}% CI`, "t p", "Wilcoxon p", "NB p", "P(A>B)", `Holm p (${comparison.holm_on})`]];
  for (const m of METRIC_NAMES) {
    const c = comparison.metrics[m];
    rows.push([m, String(c.n), fmt(c.mean_diff), interval(c.diff_ci_low, c.diff_ci_high), pValue(c.t_p), pValue(c.wilcoxon_p), pValue(c.nb_p), fmt(c.p_a_gt_b, 2), pValue(c.holm_p)]);
  }
  return render(rows);
}
