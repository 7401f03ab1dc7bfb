import type { Aggregate, CompareMetric } from "../inputs/aggregate.ts";
import { ALL_METRICS, metricName } from "../metrics.ts";
import { intervalCell, numberCell, pValueCell, textCell, type Cell, type TableModel } from "./model.ts";

type Compare = NonNullable<Aggregate["compare"]>;

/** The compared metrics in the usual order (headline metrics first, then any others by name). */
export function compareRows(compare: Compare): [string, CompareMetric][] {
  const order = (key: string) => {
    const i = ALL_METRICS.findIndex((m) => m.key === key);
    return i === -1 ? ALL_METRICS.length : i;
  };
  return Object.entries(compare.metrics).sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `density_compare_table`: the paired comparison of configurations A and B from
 * `aggregate.json`'s `compare`: mean difference A − B with its confidence interval and the
 * p-values the aggregate task computed (t-test, Wilcoxon, corrected resampled t when present,
 * Holm-adjusted), plus the probability that A beats B when given.
 */
export function compareTable(aggregate: Aggregate, compare: Compare): TableModel {
  const rows = compareRows(compare);
  const hasNb = rows.some(([, m]) => m.nb_p !== null && m.nb_p !== undefined);
  const hasPGt = rows.some(([, m]) => m.p_a_gt_b !== null && m.p_a_gt_b !== undefined);
  const level = `${Math.round(100 * aggregate.confidence)}`;
  const header: Cell[] = [
    textCell("Metric"),
    { text: "Δ (A − B)", tex: "$\\Delta$ (A $-$ B)" },
    { text: `${level} % CI`, tex: `${level}\\,\\% CI` },
    // Short LaTeX headers keep the table within a column width; the caption spells them out.
    { text: "p (t-test)", tex: "$p_t$" },
    { text: "p (Wilcoxon)", tex: "$p_W$" },
    ...(hasNb ? [{ text: "p (Nadeau–Bengio)", tex: "$p_{\\mathrm{NB}}$" }] : []),
    { text: "p (Holm)", tex: "$p_{\\mathrm{Holm}}$" },
    ...(hasPGt ? [{ text: "P(A > B)", tex: "$P(A{>}B)$" }] : []),
  ];
  const body = rows.map(([key, m]): Cell[] => {
    const name = metricName(key);
    return [
      { text: name.label, tex: name.tex },
      numberCell(m.mean_diff),
      intervalCell(m.diff_ci_low, m.diff_ci_high),
      pValueCell(m.t_p),
      pValueCell(m.wilcoxon_p),
      ...(hasNb ? [pValueCell(m.nb_p)] : []),
      pValueCell(m.holm_p),
      ...(hasPGt ? [numberCell(m.p_a_gt_b)] : []),
    ];
  });
  const legend = [
    "$p_t$: paired t-test",
    "$p_W$: Wilcoxon signed-rank",
    ...(hasNb ? ["$p_{\\mathrm{NB}}$: Nadeau--Bengio corrected t-test"] : []),
    "$p_{\\mathrm{Holm}}$: Holm-adjusted for the number of metrics compared",
    ...(hasPGt ? ["$P(A{>}B)$: probability that A beats B"] : []),
  ].join("; ");
  const a = textCell(compare.a);
  const b = textCell(compare.b);
  const pairs = compare.paired_on.length;
  return {
    name: "density_compare_table",
    caption: {
      text: `Paired comparison of A = ${a.text} and B = ${b.text} over ${pairs} paired runs: mean difference A − B with its ${level} % confidence interval and p-values (the Holm column adjusts for the number of metrics compared).`,
      tex: `Paired comparison of A = ${a.tex} and B = ${b.tex} over ${pairs} paired runs: mean difference A $-$ B with its ${level}\\,\\% confidence interval and $p$-values (${legend}).`,
    },
    align: `l${"c".repeat(header.length - 1)}`,
    header,
    groups: [body],
  };
}
