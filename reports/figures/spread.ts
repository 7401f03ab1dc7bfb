import { Plot } from "./plot.ts";
import { meanSdText } from "../tables/precision.ts";
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

/**
 * `shared`: one x scale for every metric row, so a spread of 0.025 looks like 0.025 next to the
 * others (the default: an editor compares rows). `per-metric`: each row zoomed to its own values.
 */
export type SpreadAxis = "shared" | "per-metric";

/** What a spread figure (per-seed metrics, CV folds) needs. */
export interface SpreadFigureInput {
  name: string;
  rows: readonly SpreadRow[];
  /** Legend text for the dots, e.g. `seed` or `fold`. */
  pointLabel: string;
  /** Legend text for the band, e.g. `mean ± σ (sample)`. */
  sdLabel: string;
  /** Legend text for the whiskers, e.g. `95 % CI (t)`; null hides them. */
  ciLabel: string | null;
  axis?: SpreadAxis;
}

const LEFT = 118;
const RIGHT = 150;
const PLOT_WIDTH = THEME.width - LEFT - RIGHT;
const MARGIN_X = 10;
/** Height of the dot line, of the summary line, and of one line of labels above the dots. */
const DOT_LINE = 18;
const SUMMARY_LINE = 22;
const LABEL_LANE = 14;
const AXIS_HEIGHT = 24;
const LABEL_SIZE = THEME.fontSize - 2;
const DOT_R = 4.5;
/** Smallest x range drawn: a row whose runs all agree (σ = 0) still gets a readable axis. */
const MIN_SPAN = 0.05;

/** One label above the dots: the runs whose dots coincide share it (`43, 44`). */
export interface PlacedLabel {
  text: string;
  /** Centre, in pixels from the plot's left edge. */
  x: number;
  /** 0 = just above the dots, 1 = above that, … */
  lane: number;
  /** Half the label's width in pixels (DejaVu Sans averages ~0.6 em per character). */
  half: number;
}

const halfWidth = (text: string) => (text.length * LABEL_SIZE * 0.6) / 2 + 3;

/**
 * Places the dot labels so that none overlaps another: runs whose dots fall within a dot's width
 * of each other are one label (`42, 44`: tied seeds print once, not on top of each other), and
 * going left to right each label takes the lowest lane where it clears the labels already there.
 */
export function layoutLabels(points: readonly { label: string; value: number }[], px: (v: number) => number): PlacedLabel[] {
  const sorted = [...points].sort((a, b) => a.value - b.value || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const clusters: { xs: number[]; labels: string[] }[] = [];
  for (const p of sorted) {
    const x = px(p.value);
    const last = clusters[clusters.length - 1];
    if (last && x - (last.xs[0] as number) < 2 * DOT_R) {
      last.xs.push(x);
      last.labels.push(p.label);
    } else clusters.push({ xs: [x], labels: [p.label] });
  }
  const laneEnds: number[] = [];
  return clusters.map((c) => {
    const text = c.labels.join(", ");
    const x = c.xs.reduce((a, b) => a + b, 0) / c.xs.length;
    const half = halfWidth(text);
    let lane = laneEnds.findIndex((end) => x - half >= end);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = x + half;
    return { text, x, lane, half };
  });
}

/** Every value a row draws: the dots, mean ± σ and the interval. */
function rowExtent(row: SpreadRow, hasCi: boolean): number[] {
  const ends = row.points.map((p) => p.value);
  if (row.mean !== null) ends.push(row.mean);
  if (row.mean !== null && row.sd !== null) ends.push(row.mean - row.sd, row.mean + row.sd);
  if (hasCi && row.ciLow !== null && row.ciHigh !== null) ends.push(row.ciLow, row.ciHigh);
  return ends.filter((v) => Number.isFinite(v));
}

/**
 * The x domain for `values`: 5 % room either side, at least {@link MIN_SPAN} wide (centred on the
 * values), so a row where every run agrees is drawn on a readable axis instead of ±0.004.
 */
export function spreadDomain(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.05;
  let a = lo - pad;
  let b = hi + pad;
  if (b - a < MIN_SPAN) {
    const mid = (lo + hi) / 2;
    a = mid - MIN_SPAN / 2;
    b = mid + MIN_SPAN / 2;
  }
  return [a, b];
}

function rowPlot(row: SpreadRow, hasCi: boolean, domain: [number, number], labels: PlacedLabel[], lanes: number, showAxis: boolean) {
  const summary = row.mean === null ? [] : [{ mean: row.mean, lo: row.sd === null ? row.mean : row.mean - row.sd, hi: row.sd === null ? row.mean : row.mean + row.sd }];
  const ci = hasCi && row.ciLow !== null && row.ciHigh !== null ? [{ lo: row.ciLow, hi: row.ciHigh }] : [];
  const labelTop = lanes * LABEL_LANE;
  const height = labelTop + DOT_LINE + SUMMARY_LINE + (showAxis ? AXIS_HEIGHT : 4);
  const y = (which: "points" | "summary") => (which === "points" ? labelTop + DOT_LINE / 2 : labelTop + DOT_LINE + SUMMARY_LINE / 2);
  return {
    height,
    summaryY: y("summary"),
    plot: Plot.plot({
      document: svgDocument(),
      width: PLOT_WIDTH,
      height,
      marginLeft: MARGIN_X,
      marginRight: MARGIN_X,
      marginTop: 0,
      marginBottom: showAxis ? AXIS_HEIGHT : 4,
      style: { fontSize: `${THEME.fontSize}px` },
      x: { domain, ticks: 6, grid: true, label: null, axis: showAxis ? "bottom" : null },
      // A pixel y scale: rows are placed by hand so label lanes can grow the row.
      y: { type: "identity", axis: null },
      marks: [
        Plot.ruleY(summary, { x1: "lo", x2: "hi", y: () => y("summary"), stroke: SERIES_COLORS.spread, strokeOpacity: 0.45, strokeWidth: 12 }),
        Plot.ruleY(ci, { x1: "lo", x2: "hi", y: () => y("summary"), stroke: SERIES_COLORS.ci, strokeWidth: 1.5 }),
        Plot.ruleX(ci.flatMap((c) => [c.lo, c.hi]), { x: (d: number) => d, y1: () => y("summary") - 6, y2: () => y("summary") + 6, stroke: SERIES_COLORS.ci, strokeWidth: 1.5 }),
        Plot.ruleX(summary, { x: "mean", y1: () => y("summary") - 8, y2: () => y("summary") + 8, stroke: THEME.ink, strokeWidth: 3 }),
        Plot.dot(row.points, { x: "value", y: () => y("points"), fill: SERIES_COLORS.point, r: DOT_R }),
      ],
    }),
    labels: labels.map((l) => ({ ...l, y: y("points") - DOT_R - 4 - l.lane * LABEL_LANE })),
  };
}

/**
 * Metrics across runs, one row per metric: each run's value as a dot labelled with its seed (or
 * fold), the mean as a bar inside a mean ± σ band, the confidence interval as whiskers, and the
 * numbers on the right (σ to two significant digits, the mean to the same place). By default
 * every row shares one x axis (drawn under the last row); `axis: "per-metric"` zooms each row.
 */
export function spreadFigure(input: SpreadFigureInput): string {
  const axis = input.axis ?? "shared";
  const hasCi = input.ciLabel !== null;
  const shared = spreadDomain(input.rows.flatMap((r) => rowExtent(r, hasCi)));
  const rows = input.rows.map((row, i) => {
    const domain = axis === "shared" ? shared : spreadDomain(rowExtent(row, hasCi));
    const px = (v: number) => MARGIN_X + ((v - domain[0]) / (domain[1] - domain[0])) * (PLOT_WIDTH - 2 * MARGIN_X);
    const labels = layoutLabels(row.points, px);
    const lanes = Math.max(1, ...labels.map((l) => l.lane + 1));
    return { row, ...rowPlot(row, hasCi, domain, labels, lanes, axis === "per-metric" || i === input.rows.length - 1) };
  });
  const top = THEME.legendHeight + 8;
  const height = top + rows.reduce((a, r) => a + r.height + 6, 0);
  const root = figureRoot(THEME.width, height);
  root.append(
    legend(
      [
        { label: input.pointLabel, color: SERIES_COLORS.point, kind: "dot" },
        { label: input.sdLabel, color: SERIES_COLORS.spread, kind: "band" },
        ...(input.ciLabel === null ? [] : [{ label: input.ciLabel, color: SERIES_COLORS.ci, kind: "line" as const }]),
      ],
      LEFT,
      12,
    ),
  );
  let y = top;
  for (const r of rows) {
    const summaryY = y + r.summaryY;
    const text = r.row.mean === null ? { mean: "–", sd: "–" } : meanSdText(r.row.mean, r.row.sd);
    const interval = r.row.ciLow !== null && r.row.ciHigh !== null ? meanSdText(r.row.ciLow, r.row.sd) : null;
    const intervalHigh = r.row.ciHigh !== null ? meanSdText(r.row.ciHigh, r.row.sd).mean : "–";
    root.append(
      el("text", { x: LEFT - 4, y: summaryY + 4, "text-anchor": "end", "font-weight": "bold" }, r.row.metric),
      placePlot(r.plot, LEFT, y),
      ...r.labels.map((l) => el("text", { x: LEFT + l.x, y: y + l.y, "text-anchor": "middle", "font-size": LABEL_SIZE, fill: THEME.muted }, l.text)),
      el("text", { x: THEME.width - RIGHT + 12, y: summaryY - 4 }, `${text.mean} ± ${text.sd}`),
      el("text", { x: THEME.width - RIGHT + 12, y: summaryY + 12, fill: THEME.muted }, input.ciLabel === null || interval === null ? `n = ${r.row.points.length}` : `[${interval.mean}, ${intervalHigh}]`),
    );
    y += r.height + 6;
  }
  return serializeFigure(root, input.name);
}
