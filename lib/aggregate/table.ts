import type { Comparison } from "./compare.ts";
import { METRIC_NAMES, type MetricName, type MetricSummary } from "./metrics.ts";

const fmt = (x: number | null, digits = 3) => (x === null ? "n/a" : x.toFixed(digits));
const interval = (lo: number | null, hi: number | null) => (lo === null || hi === null ? "n/a" : `[${fmt(lo)}, ${fmt(hi)}]`);
const pValue = (p: number | null) => (p === null ? "n/a" : p < 0.001 ? "<0.001" : p.toFixed(3));

function render(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  ").trimEnd());
}

/** The console summary: one line per metric, `mean ± σ`, t interval and bootstrap interval, 3 decimals. */
export function summaryTable(metrics: Record<MetricName, MetricSummary>, sigma: string, confidence: number): string[] {
  const pct = Math.round(confidence * 100);
  const rows = [["metric", "n", `mean ± σ (${sigma})`, `${pct}% t CI`, `${pct}% bootstrap CI`]];
  for (const m of METRIC_NAMES) {
    const s = metrics[m];
    rows.push([m, String(s.n), `${fmt(s.mean)} ± ${fmt(s.std)}`, interval(s.t_ci_low, s.t_ci_high), interval(s.boot_ci_low, s.boot_ci_high)]);
  }
  return render(rows);
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
