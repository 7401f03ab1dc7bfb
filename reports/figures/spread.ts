import { Plot } from "./plot.ts";
import { el, figureRoot, legend, placePlot, serializeFigure, svgDocument } from "./svg.ts";
import { SERIES_COLORS, THEME } from "./theme.ts";

/** One metric's values across runs (seeds or folds) and the summary computed over them. */
export interface SpreadRow {
  /** Display name, e.g. `κ (quadratic)`. */
  metric: string;
  /** One value per run, labelled (`42`, `fold 2`). */
  points: readonly { label: string; value: number }[];
  mean: number | null;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** What a spread figure (per-seed metrics, CV folds) needs. */
export interface SpreadFigureInput {
  name: string;
  title: string;
  rows: readonly SpreadRow[];
  /** Legend text for the dots, e.g. `seed` or `fold`. */
  pointLabel: string;
  /** Legend text for the band, e.g. `mean ± σ (sample)`. */
  sdLabel: string;
  /** Legend text for the whiskers, e.g. `95 % CI (t)`; null hides them. */
  ciLabel: string | null;
}

const ROW_HEIGHT = 96;
const LEFT = 118;
const RIGHT = 150;

const fmt = (v: number | null) => (v === null ? "–" : v.toFixed(3));

/**
 * Splits dot labels into those drawn above their dot and those drawn below: going left to right,
 * a label that would overlap the previous label above goes below instead (two lanes are enough
 * for the few seeds or folds a figure shows).
 */
function staggerLabels<P extends { label: string; value: number }>(points: readonly P[], px: (v: number) => number) {
  const above: P[] = [];
  const below: P[] = [];
  let lastAbove = Number.NEGATIVE_INFINITY;
  let lastBelow = Number.NEGATIVE_INFINITY;
  const width = (p: P) => p.label.length * (THEME.fontSize - 2) * 0.6 + 6;
  for (const p of [...points].sort((a, b) => a.value - b.value)) {
    const x = px(p.value);
    if (x - width(p) / 2 >= lastAbove || x - width(p) / 2 < lastBelow) {
      above.push(p);
      lastAbove = x + width(p) / 2;
    } else {
      below.push(p);
      lastBelow = x + width(p) / 2;
    }
  }
  return { above, below };
}

function rowPlot(row: SpreadRow, hasCi: boolean) {
  const values = row.points.map((p) => p.value);
  const ends = [...values];
  if (row.mean !== null && row.sd !== null) ends.push(row.mean - row.sd, row.mean + row.sd);
  if (hasCi && row.ciLow !== null && row.ciHigh !== null) ends.push(row.ciLow, row.ciHigh);
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  // A little room either side; a flat row (every run equal) still gets a visible range.
  const pad = Math.max((hi - lo) * 0.08, 0.005);
  const summary = row.mean === null ? [] : [{ mean: row.mean, lo: row.sd === null ? row.mean : row.mean - row.sd, hi: row.sd === null ? row.mean : row.mean + row.sd }];
  const domain: [number, number] = [lo - pad, hi + pad];
  const plotWidth = THEME.width - LEFT - RIGHT - 20;
  const { above, below } = staggerLabels(row.points, (v) => ((v - domain[0]) / (domain[1] - domain[0])) * plotWidth);
  const ci = hasCi && row.ciLow !== null && row.ciHigh !== null ? [{ lo: row.ciLow, hi: row.ciHigh }] : [];
  return Plot.plot({
    document: svgDocument(),
    width: THEME.width - LEFT - RIGHT,
    height: ROW_HEIGHT,
    marginLeft: 10,
    marginRight: 10,
    marginTop: 16,
    marginBottom: 24,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { domain, ticks: 5, grid: true, label: null },
    y: { domain: ["points", "summary"], axis: null, padding: 0 },
    marks: [
      Plot.ruleY(summary, { x1: "lo", x2: "hi", y: () => "summary", stroke: SERIES_COLORS.spread, strokeOpacity: 0.45, strokeWidth: 12 }),
      Plot.ruleY(ci, { x1: "lo", x2: "hi", y: () => "summary", stroke: SERIES_COLORS.ci, strokeWidth: 1.5 }),
      Plot.tickX(ci.flatMap((c) => [c.lo, c.hi]), { x: (d: number) => d, y: () => "summary", stroke: SERIES_COLORS.ci, strokeWidth: 1.5, insetTop: 6, insetBottom: 6 }),
      Plot.tickX(summary, { x: "mean", y: () => "summary", stroke: THEME.ink, strokeWidth: 3, insetTop: 3, insetBottom: 3 }),
      Plot.dot(row.points, { x: "value", y: () => "points", fill: SERIES_COLORS.point, r: 4.5 }),
      Plot.text(above, { x: "value", y: () => "points", text: "label", dy: -11, fontSize: THEME.fontSize - 2, fill: THEME.muted }),
      Plot.text(below, { x: "value", y: () => "points", text: "label", dy: 14, fontSize: THEME.fontSize - 2, fill: THEME.muted }),
    ],
  });
}

/**
 * Metrics across runs, one row per metric with its own x scale (seed-to-seed differences are
 * small next to the gaps between metrics): each run's value as a labelled dot, the mean as a
 * bar inside a mean ± σ band, the confidence interval as whiskers, and the numbers on the right.
 */
export function spreadFigure(input: SpreadFigureInput): string {
  const top = THEME.titleHeight + THEME.legendHeight + 4;
  const height = top + input.rows.length * ROW_HEIGHT + 4;
  const root = figureRoot(THEME.width, height, input.title);
  root.append(
    legend(
      [
        { label: input.pointLabel, color: SERIES_COLORS.point, kind: "dot" },
        { label: input.sdLabel, color: SERIES_COLORS.spread, kind: "band" },
        ...(input.ciLabel === null ? [] : [{ label: input.ciLabel, color: SERIES_COLORS.ci, kind: "line" as const }]),
      ],
      LEFT,
      THEME.titleHeight + 8,
    ),
  );
  input.rows.forEach((row, i) => {
    const y = top + i * ROW_HEIGHT;
    const mid = y + 16 + (ROW_HEIGHT - 40) / 2;
    root.append(
      el("text", { x: LEFT - 4, y: mid + 4, "text-anchor": "end", "font-weight": "bold" }, row.metric),
      placePlot(rowPlot(row, input.ciLabel !== null), LEFT, y),
      el("text", { x: THEME.width - RIGHT + 12, y: mid - 4 }, `${fmt(row.mean)} ± ${fmt(row.sd)}`),
      el("text", { x: THEME.width - RIGHT + 12, y: mid + 12, fill: THEME.muted }, input.ciLabel === null ? `n = ${row.points.length}` : `[${fmt(row.ciLow)}, ${fmt(row.ciHigh)}]`),
    );
  });
  return serializeFigure(root, input.name);
}
