import { Plot } from "./plot.ts";
import type { HistoryRow } from "../inputs/run.ts";
import { figureRoot, legend, placePlot, serializeFigure, svgDocument } from "./svg.ts";
import { SERIES_COLORS, THEME } from "./theme.ts";

/** What the training-curves figure of one run needs. */
export interface TrainFigureInput {
  /** Figure file stem, e.g. `density_train_seed42` (also the prefix of its SVG ids). */
  name: string;
  history: readonly HistoryRow[];
  /** Epoch the best model was kept at (marked in both panels); null when unknown. */
  bestEpoch: number | null;
  /** Name of the selection metric, shown beside the marker. */
  bestMetricName: string | null;
}

const LOSSES = [
  { key: "train_loss", label: "train loss" },
  { key: "val_loss", label: "validation loss" },
] as const;
const METRICS = [
  { key: "val_acc", label: "accuracy" },
  { key: "val_kappa", label: "κ (quadratic)" },
  { key: "val_macro_f1", label: "macro-F1" },
  { key: "val_auc", label: "AUC (OvR)" },
  { key: "val_bal_acc", label: "balanced acc." },
] as const;

type Series = readonly { key: keyof HistoryRow & keyof typeof SERIES_COLORS; label: string }[];

/** Long-format points of the series that have at least one value. */
function points(history: readonly HistoryRow[], series: Series) {
  const present = series.filter((s) => history.some((h) => h[s.key] !== null));
  return {
    present,
    data: present.flatMap((s) => history.map((h) => ({ epoch: h.epoch, series: s.label, value: h[s.key] ?? Number.NaN }))),
  };
}

function panel(history: readonly HistoryRow[], series: Series, yLabel: string, bestEpoch: number | null, height: number, yDomain?: [number, number]) {
  const { present, data } = points(history, series);
  const epochs = history.map((h) => h.epoch);
  const color = { domain: present.map((s) => s.label), range: present.map((s) => SERIES_COLORS[s.key]) };
  const best = bestEpoch === null ? [] : data.filter((d) => d.epoch === bestEpoch && Number.isFinite(d.value));
  return Plot.plot({
    document: svgDocument(),
    width: THEME.width,
    height,
    marginLeft: 64,
    marginRight: 20,
    marginTop: 12,
    marginBottom: 36,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { label: "epoch", domain: [Math.min(...epochs), Math.max(...epochs)], ticks: Math.min(10, epochs.length), tickFormat: "d", labelAnchor: "center", labelArrow: "none" },
    y: { label: yLabel, grid: true, nice: true, labelAnchor: "center", labelArrow: "none", ...(yDomain ? { domain: yDomain } : {}) },
    color,
    marks: [
      bestEpoch === null ? null : Plot.ruleX([bestEpoch], { stroke: THEME.muted, strokeDasharray: "4,3" }),
      Plot.line(data, { x: "epoch", y: "value", z: "series", stroke: "series", strokeWidth: 2 }),
      Plot.dot(data, { x: "epoch", y: "value", fill: "series", r: 2.5 }),
      Plot.dot(best, { x: "epoch", y: "value", stroke: "series", r: 6, strokeWidth: 2 }),
    ],
  });
}

/**
 * Training curves of one run from `train_history.csv`: losses (top) and validation metrics
 * (bottom) per epoch, the best epoch marked by a dashed rule and circled values. `history` must
 * hold at least one epoch.
 */
export function trainFigure(input: TrainFigureInput): string {
  const history = [...input.history].sort((a, b) => a.epoch - b.epoch);
  const panelHeight = 230;
  // Title, legend, loss panel, legend, metrics panel, top to bottom.
  const lossLegendY = 10;
  const lossTop = lossLegendY + 12;
  const metricsLegendY = lossTop + panelHeight + 12;
  const metricsTop = metricsLegendY + 12;
  const height = metricsTop + panelHeight + 4;
  const root = figureRoot(THEME.width, height);
  const lossSeries = points(history, LOSSES).present;
  const metricSeries = points(history, METRICS).present;
  root.append(
    legend(
      [
        ...lossSeries.map((s) => ({ label: s.label, color: SERIES_COLORS[s.key], kind: "line" as const })),
        ...(input.bestEpoch === null ? [] : [{ label: `best epoch ${input.bestEpoch}${input.bestMetricName ? ` (by ${input.bestMetricName})` : ""}`, color: THEME.muted, kind: "dashed" as const }]),
      ],
      64,
      lossLegendY,
    ),
    placePlot(panel(history, LOSSES, "loss", input.bestEpoch, panelHeight), 0, lossTop),
    legend(
      metricSeries.map((s) => ({ label: s.label, color: SERIES_COLORS[s.key], kind: "line" as const })),
      64,
      metricsLegendY,
    ),
    placePlot(panel(history, METRICS, "validation metric", input.bestEpoch, panelHeight), 0, metricsTop),
  );
  return serializeFigure(root, input.name);
}
