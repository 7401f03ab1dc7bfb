import { Plot } from "./plot.ts";
import { CLASS_NAMES } from "../../lib/metrics/index.ts";
import type { ValMetrics } from "../inputs/run.ts";
import { figureRoot, legend, placePlot, serializeFigure, svgDocument } from "./svg.ts";
import { SERIES_COLORS, THEME } from "./theme.ts";

/** What the confusion figure of one run needs. */
export interface ConfusionFigureInput {
  /** Figure file stem, e.g. `density_confusion_seed42`. */
  name: string;
  /** 4×4 counts, rows = true class A..D, columns = predicted class. */
  matrix: readonly (readonly number[])[];
  /** Per-class precision/recall/F1/support, from `classification_report`. */
  report: ValMetrics["classification_report"];
}

interface Cell {
  truth: string;
  pred: string;
  count: number;
  /** Share of the true class's cases (row-normalised); 0 for a class with no cases. */
  share: number;
}

function cells(matrix: readonly (readonly number[])[]): Cell[] {
  return CLASS_NAMES.flatMap((truth, i) => {
    const row = matrix[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0);
    return CLASS_NAMES.map((pred, j) => {
      const count = row[j] ?? 0;
      return { truth, pred, count, share: total > 0 ? count / total : 0 };
    });
  });
}

function heatmap(data: Cell[], value: "count" | "share", label: string, width: number) {
  const max = Math.max(1e-9, ...data.map((d) => d[value]));
  const text = value === "count" ? (d: Cell) => String(d.count) : (d: Cell) => `${(100 * d.share).toFixed(0)}%`;
  return Plot.plot({
    document: svgDocument(),
    width,
    height: width - 20,
    marginLeft: 56,
    marginTop: 36,
    marginBottom: 16,
    marginRight: 8,
    padding: 0.04,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { axis: "top", label: `predicted (${label})`, domain: CLASS_NAMES, labelAnchor: "center", labelArrow: "none", tickSize: 0 },
    y: { label: "true", domain: CLASS_NAMES, labelAnchor: "center", labelArrow: "none", tickSize: 0 },
    color: { type: "linear", scheme: "blues", domain: [0, max] },
    marks: [
      Plot.cell(data, { x: "pred", y: "truth", fill: value, inset: 0.5 }),
      // Diagonal (correct) cells in bold; dark cells get white text so every number stays readable.
      ...[true, false].map((diagonal) =>
        Plot.text(
          data.filter((d) => (d.truth === d.pred) === diagonal),
          { x: "pred", y: "truth", text, fill: (d: Cell) => (d[value] > 0.55 * max ? "white" : THEME.ink), fontSize: THEME.fontSize + 1, fontWeight: diagonal ? "bold" : "normal" },
        ),
      ),
    ],
  });
}

function perClass(report: ValMetrics["classification_report"], height: number) {
  const measures = [
    { key: "precision", label: "precision", color: SERIES_COLORS.precision },
    { key: "recall", label: "recall", color: SERIES_COLORS.recall },
    { key: "f1-score", label: "F1", color: SERIES_COLORS.f1 },
  ] as const;
  const data = CLASS_NAMES.flatMap((c) => measures.map((m) => ({ cls: `${c} (n=${report[c].support})`, measure: m.label, value: report[c][m.key] })));
  return Plot.plot({
    document: svgDocument(),
    width: THEME.width,
    height,
    marginLeft: 56,
    marginRight: 20,
    marginTop: 24,
    marginBottom: 36,
    style: { fontSize: `${THEME.fontSize}px` },
    fx: { label: "true class (validation cases)", padding: 0.15, labelAnchor: "center", labelArrow: "none", axis: "bottom" },
    x: { axis: null, domain: measures.map((m) => m.label), padding: 0.1 },
    y: { label: "score", domain: [0, 1], grid: true, labelArrow: "none" },
    color: { domain: measures.map((m) => m.label), range: measures.map((m) => m.color) },
    marks: [
      Plot.barY(data, { fx: "cls", x: "measure", y: "value", fill: "measure" }),
      Plot.text(data, { fx: "cls", x: "measure", y: "value", text: (d: { value: number }) => d.value.toFixed(2), dy: -7, fontSize: THEME.fontSize - 2 }),
      Plot.ruleY([0]),
    ],
  });
}

/**
 * Confusion matrix of one run (best epoch): counts (left) and row-normalised shares (right), then
 * per-class precision, recall and F1 with each class's support.
 */
export function confusionFigure(input: ConfusionFigureInput): string {
  const data = cells(input.matrix);
  const half = THEME.width / 2;
  const heatTop = 4;
  const heatHeight = half - 20;
  const legendY = heatTop + heatHeight + 14;
  const barsTop = legendY + 6;
  const barsHeight = 220;
  const root = figureRoot(THEME.width, barsTop + barsHeight);
  root.append(
    placePlot(heatmap(data, "count", "counts", half), 0, heatTop),
    placePlot(heatmap(data, "share", "% of true class", half), half, heatTop),
    legend(
      [
        { label: "precision", color: SERIES_COLORS.precision, kind: "swatch" },
        { label: "recall", color: SERIES_COLORS.recall, kind: "swatch" },
        { label: "F1", color: SERIES_COLORS.f1, kind: "swatch" },
      ],
      60,
      legendY,
    ),
    placePlot(perClass(input.report, barsHeight), 0, barsTop),
  );
  return serializeFigure(root, input.name);
}
