import type { Component } from "./decompose.ts";

/** What the table reads of a decomposition (variance.json's, or one just computed). */
export interface DecompositionView {
  components: Pick<Component, "source" | "sd" | "sd_ci_low" | "sd_ci_high" | "share" | "vs_evaluation" | "negative_estimate">[];
  total: { sd: number | null; of: string };
  evaluation: { sd: number | null; resamples: number } | null;
  notes: string[];
}

const f4 = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));
const pct = (v: number | null) => (v === null ? "n/a" : `${(100 * v).toFixed(0)} %`);
const times = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(1)}×`);

/**
 * The decomposition of one metric as text lines: per source σ, the interval of σ, the share of the
 * total variance and the variance over the evaluation noise; then the total and the noise.
 */
export function decompositionLines(metric: string, d: DecompositionView, confidence: number): string[] {
  const header = ["source", "σ", `${Math.round(confidence * 100)} % CI of σ`, "share", "var / eval"];
  const rows = d.components.map((c) => [
    `${c.source}${c.negative_estimate ? " (neg → 0)" : ""}`,
    f4(c.sd),
    c.sd_ci_low === null ? "n/a" : `${f4(c.sd_ci_low)}–${c.sd_ci_high === null ? "∞" : f4(c.sd_ci_high)}`,
    pct(c.share),
    times(c.vs_evaluation),
  ]);
  rows.push(["total", f4(d.total.sd), "", "", ""]);
  if (d.evaluation) rows.push(["evaluation", f4(d.evaluation.sd), `(bootstrap, ${d.evaluation.resamples} resamples)`, "", ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ").trimEnd();
  return [`${metric} (total: ${d.total.of})`, `  ${line(header)}`, ...rows.map((r) => `  ${line(r)}`), ...d.notes.map((n) => `  note: ${n}`)];
}
