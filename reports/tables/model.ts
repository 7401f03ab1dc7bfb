import { latexEscape } from "./latex-escape.ts";
import { cvPercentText, meanSdText } from "./precision.ts";

/** One table cell, ready for both renderers: plain text for HTML, LaTeX for the article. */
export interface Cell {
  /** Plain (Unicode) text; the HTML renderer escapes it. */
  text: string;
  /** LaTeX source, already escaped. */
  tex: string;
  bold?: boolean;
}

/** A table both the LaTeX file and the HTML report are rendered from, so they cannot disagree. */
export interface TableModel {
  /** File stem (`density_metrics_table`); the LaTeX label is `tab:<name>`. */
  name: string;
  caption: Cell;
  /** Column alignment for `tabular` (`lcccc`). */
  align: string;
  header: Cell[];
  /** Row groups, separated by a rule. */
  groups: Cell[][][];
}

/** A cell of plain text (a name, a path, a CSV value), escaped for LaTeX. */
export function textCell(text: string): Cell {
  return { text, tex: latexEscape(text) };
}

/** Three decimals, the precision of the reference tables; null (undefined metric) is a dash. */
export function fixed3(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(3);
}

/** LaTeX for a printed number: a true minus sign, and `--` for the missing-value dash. */
const texNumber = (text: string) => (text === "–" ? "--" : text.replace(/^-/, () => "$-$"));

/** A metric value with three decimals; a missing one is an en dash. */
export function numberCell(value: number | null | undefined): Cell {
  const text = fixed3(value);
  return { text, tex: texNumber(text) };
}

/** `mean ± sd` with the precision σ allows: σ to two significant digits, the mean to the same place. */
export function meanSdCell(mean: number | null | undefined, sd: number | null | undefined): Cell {
  if (mean === null || mean === undefined) return numberCell(null);
  const t = meanSdText(mean, sd);
  return { text: `${t.mean} ± ${t.sd}`, tex: `${texNumber(t.mean)} $\\pm$ ${texNumber(t.sd === "–" ? "–" : t.sd)}` };
}

/** An interval `[low, high]`, three decimals each, or `decimals` (the precision of its mean ± σ). */
export function intervalCell(low: number | null | undefined, high: number | null | undefined, decimals = 3): Cell {
  if (low === null || low === undefined || high === null || high === undefined) return numberCell(null);
  const f = (v: number) => v.toFixed(decimals);
  return { text: `[${f(low)}, ${f(high)}]`, tex: `[${texNumber(f(low))}, ${texNumber(f(high))}]` };
}

/** A coefficient of variation in percent, one decimal. */
export function cvCell(cv: number | null | undefined): Cell {
  const text = cvPercentText(cv);
  return { text, tex: texNumber(text) };
}

/** A p-value: three decimals, or `< 0.001`. */
export function pValueCell(p: number | null | undefined): Cell {
  if (p === null || p === undefined || !Number.isFinite(p)) return numberCell(null);
  return p < 0.001 ? { text: "< 0.001", tex: "$<$0.001" } : numberCell(p);
}

/**
 * Marks in bold, per column, the highest value shown among `rows` (ties included), comparing the
 * printed three-decimal values so that two cells that read the same are both bold. `columns` are
 * the column indices holding higher-is-better metrics.
 */
export function boldBest(rows: Cell[][], columns: readonly number[]): void {
  for (const c of columns) {
    const values = rows.map((r) => Number.parseFloat(r[c]?.text ?? ""));
    const finite = values.filter((v) => Number.isFinite(v));
    if (finite.length < 2) continue;
    const best = Math.max(...finite);
    rows.forEach((r, i) => {
      const cell = r[c];
      if (cell && values[i] === best) cell.bold = true;
    });
  }
}
