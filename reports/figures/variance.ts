import { Plot } from "./plot.ts";
import { el, figureRoot, legend, placePlot, serializeFigure, svgDocument } from "./svg.ts";
import { OKABE_ITO, SERIES_COLORS, THEME } from "./theme.ts";

/** One source's σ of a metric, with the interval of σ and its share of the total variance. */
export interface SourceSigma {
  source: string;
  sd: number;
  low: number | null;
  /** Null: no finite upper bound. */
  high: number | null;
  share: number | null;
  /** The estimate was negative and is shown as 0. */
  negative: boolean;
}

/** One panel: a metric's sources, and the evaluation noise drawn beside them. */
export interface VariancePanel {
  metric: string;
  sources: readonly SourceSigma[];
  /** σ of the metric for a fixed model (bootstrap of the validation set); null when not estimated. */
  evaluationSd: number | null;
}

export interface VarianceFigureInput {
  name: string;
  panels: readonly VariancePanel[];
  /** Legend text of the whiskers, e.g. `95 % CI of σ`. */
  ciLabel: string;
}

const LEFT = 118;
const RIGHT = 70;
const BAND = 22;
const MARGIN_TOP = 8;
const MARGIN_BOTTOM = 24;
/** Colour of the evaluation-noise line. */
const EVAL_COLOR = OKABE_ITO.bluishGreen;

/**
 * The x range of a panel: every σ and the evaluation noise, and the intervals up to 3× the
 * largest σ — an upper bound on 1 or 2 df can be 30 times the estimate and would flatten the
 * rest; whiskers cut there end in an arrow.
 */
function domainOf(panel: VariancePanel): [number, number] {
  const sds = panel.sources.map((s) => s.sd);
  const top = Math.max(...sds, panel.evaluationSd ?? 0);
  const whiskers = panel.sources.flatMap((s) => (s.high === null ? [] : [s.high]));
  const cap = top > 0 ? 3 * top : Math.max(0, ...whiskers);
  const max = Math.max(top, Math.min(cap, Math.max(top, ...whiskers)));
  return [0, max > 0 ? max * 1.05 : 0.01];
}

function panelPlot(panel: VariancePanel) {
  const domain = domainOf(panel);
  const rows = panel.sources.map((s) => ({ ...s, shown: Math.min(s.high ?? domain[1], domain[1]), cut: s.high === null || s.high > domain[1] }));
  return Plot.plot({
    document: svgDocument(),
    width: THEME.width - LEFT - RIGHT,
    height: MARGIN_TOP + MARGIN_BOTTOM + BAND * panel.sources.length,
    marginLeft: 10,
    marginRight: 10,
    marginTop: MARGIN_TOP,
    marginBottom: MARGIN_BOTTOM,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { domain, ticks: 5, grid: true, label: null },
    y: { domain: panel.sources.map((s) => s.source), axis: null, padding: 0.3 },
    marks: [
      Plot.ruleX(panel.evaluationSd === null ? [] : [panel.evaluationSd], { stroke: EVAL_COLOR, strokeWidth: 1.5, strokeDasharray: "4,3" }),
      Plot.ruleY(
        rows.filter((r) => r.low !== null),
        { x1: "low", x2: "shown", y: "source", stroke: SERIES_COLORS.ci, strokeWidth: 1.5 },
      ),
      Plot.text(
        rows.filter((r) => r.low !== null && r.cut),
        { x: "shown", y: "source", text: () => "▶", fontSize: 9, fill: SERIES_COLORS.ci, dx: -2 },
      ),
      Plot.dot(rows, { x: "sd", y: "source", r: 4.5, fill: (r: SourceSigma) => (r.negative ? "white" : SERIES_COLORS.point), stroke: SERIES_COLORS.point }),
    ],
  });
}

const pct = (v: number | null) => (v === null ? "–" : `${Math.round(100 * v)} %`);

/**
 * σ per source of randomness, one panel per metric: the estimate (dot; hollow where a negative
 * moment estimate is shown as 0), its confidence interval (whiskers), the share of the total
 * variance on the right, and the evaluation noise of the validation set (dashed line).
 */
export function varianceFigure(input: VarianceFigureInput): string {
  const top = THEME.legendHeight + 8;
  const heights = input.panels.map((p) => MARGIN_TOP + MARGIN_BOTTOM + BAND * p.sources.length + 18);
  const height = top + heights.reduce((a, b) => a + b, 0) + 4;
  const root = figureRoot(THEME.width, height);
  root.append(
    legend(
      [
        { label: "σ", color: SERIES_COLORS.point, kind: "dot" },
        { label: input.ciLabel, color: SERIES_COLORS.ci, kind: "line" },
        { label: "σ of the evaluation (bootstrap)", color: EVAL_COLOR, kind: "dashed" },
      ],
      LEFT,
      12,
    ),
  );
  let y = top;
  input.panels.forEach((panel, i) => {
    root.append(el("text", { x: 8, y: y + 12, "font-weight": "bold" }, panel.metric), el("text", { x: THEME.width - RIGHT + 12, y: y + 12, fill: THEME.muted }, "share"));
    const plotTop = y + 18;
    root.append(placePlot(panelPlot(panel), LEFT, plotTop));
    const bandHeight = BAND;
    panel.sources.forEach((s, k) => {
      // Plot's band scale with padding 0.3 centres each source in its band.
      const cy = plotTop + MARGIN_TOP + bandHeight * k + bandHeight / 2 + 4;
      root.append(
        el("text", { x: LEFT - 4, y: cy, "text-anchor": "end" }, s.source),
        el("text", { x: THEME.width - RIGHT + 12, y: cy }, pct(s.share)),
      );
    });
    y += heights[i] as number;
  });
  return serializeFigure(root, input.name);
}
