import { Plot } from "./plot.ts";
import type { HpoStudy } from "../inputs/hpo.ts";
import type { ParamImportance } from "../hpo/importance.ts";
import { axisPosition, finishedTrials, formatParam, paramAxis } from "./hpo-axes.ts";
import { el, figureRoot, placePlot, serializeFigure, svgDocument } from "./svg.ts";
import { SERIES_COLORS, THEME } from "./theme.ts";

const objectiveLabel = (study: HpoStudy) => (study.objectiveName ? `objective (${study.objectiveName})` : "objective");

/**
 * Parallel coordinates: one vertical axis per varying parameter, then the objective; each
 * finished trial is a line through its values, coloured by its objective (viridis, with a legend
 * ramp). Log-scale parameters are on log axes; categories are spread evenly.
 */
export function hpoParallelFigure(study: HpoStudy, name: string): string | null {
  const { trials, params } = finishedTrials(study);
  if (trials.length < 2 || params.length === 0) return null;
  const axes = params.map((p) => ({ name: p, axis: paramAxis(p, trials.map((t) => t.params[p] as string | number | boolean), study.space[p]) }));
  const lo = Math.min(...trials.map((t) => t.objective));
  const hi = Math.max(...trials.map((t) => t.objective));
  const columns = [...axes.map((a) => a.name), objectiveLabel(study)];
  const data = trials.flatMap((t) => [
    ...axes.map((a) => ({ trial: t.trialId, column: a.name, y: axisPosition(a.axis, t.params[a.name] as string | number | boolean), objective: t.objective })),
    { trial: t.trialId, column: objectiveLabel(study), y: hi === lo ? 0.5 : (t.objective - lo) / (hi - lo), objective: t.objective },
  ]);
  const height = 300;
  const root = figureRoot(THEME.width, height + 24);
  const plot = Plot.plot({
    document: svgDocument(),
    width: THEME.width,
    height,
    marginLeft: 40,
    marginRight: 60,
    marginTop: 30,
    marginBottom: 40,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { domain: columns, label: null, tickSize: 0, padding: 0.1, axis: "bottom" },
    y: { domain: [0, 1], axis: null },
    color: { type: "linear", scheme: "viridis", domain: [lo, hi === lo ? lo + 1e-9 : hi], legend: false },
    marks: [
      Plot.ruleX(columns, { stroke: THEME.muted }),
      Plot.line(data, { x: "column", y: "y", z: "trial", stroke: "objective", strokeWidth: 1.5, strokeOpacity: 0.85 }),
      Plot.dot(data, { x: "column", y: "y", fill: "objective", r: 2.5 }),
    ],
  });
  root.append(placePlot(plot, 0, 0));
  // Axis ends: each parameter's range (or first/last category) printed at its top and bottom.
  const step = (THEME.width - 100) / columns.length;
  columns.forEach((c, i) => {
    const x = 40 + step * (i + 0.5);
    const a = axes[i];
    const [bottom, top] = a === undefined ? [formatParam(lo), formatParam(hi)] : a.axis.kind === "number" ? [formatParam(a.axis.min), formatParam(a.axis.max)] : [a.axis.values[0] ?? "", a.axis.values[a.axis.values.length - 1] ?? ""];
    root.append(el("text", { x, y: 22, "text-anchor": "middle", "font-size": THEME.fontSize - 2, fill: THEME.muted }, `${top}${a?.axis.kind === "number" && a.axis.log ? " (log)" : ""}`), el("text", { x, y: height - 26, "text-anchor": "middle", "font-size": THEME.fontSize - 2, fill: THEME.muted }, bottom));
  });
  return serializeFigure(root, name);
}

/**
 * Slice plots: the objective against each varying parameter, one panel per parameter (two per
 * row), each trial a dot coloured by its number (darker = earlier, viridis), so a reader sees
 * where good values lie and whether the sampler converged there.
 */
export function hpoSliceFigure(study: HpoStudy, name: string): string | null {
  const { trials, params } = finishedTrials(study);
  if (trials.length < 2 || params.length === 0) return null;
  const cols = Math.min(2, params.length);
  const panelWidth = THEME.width / cols;
  const panelHeight = 200;
  const rows = Math.ceil(params.length / cols);
  const root = figureRoot(THEME.width, rows * panelHeight + 4);
  const ids = trials.map((t) => t.trialId);
  params.forEach((p, i) => {
    const axis = paramAxis(p, trials.map((t) => t.params[p] as string | number | boolean), study.space[p]);
    const data = trials.map((t) => ({ x: axis.kind === "number" ? (t.params[p] as number) : String(t.params[p]), objective: t.objective, trial: t.trialId }));
    const plot = Plot.plot({
      document: svgDocument(),
      width: panelWidth,
      height: panelHeight,
      marginLeft: 56,
      marginRight: 14,
      marginTop: 14,
      marginBottom: 38,
      style: { fontSize: `${THEME.fontSize}px` },
      x: axis.kind === "number" ? { type: axis.log ? "log" : "linear", label: p, labelAnchor: "center", labelArrow: "none", ticks: 4, tickFormat: axis.log ? "~e" : "~g" } : { type: "point", domain: axis.values, label: p, labelAnchor: "center", labelArrow: "none", padding: 0.5 },
      y: { label: i % cols === 0 ? objectiveLabel(study) : null, grid: true, labelArrow: "none", nice: true, ticks: 5 },
      color: { type: "linear", scheme: "viridis", domain: [Math.min(...ids), Math.max(...ids)] },
      marks: [Plot.dot(data, { x: "x", y: "objective", fill: "trial", r: 4, stroke: "white", strokeWidth: 0.5 })],
    });
    root.append(placePlot(plot, (i % cols) * panelWidth, Math.floor(i / cols) * panelHeight));
  });
  return serializeFigure(root, name);
}

/** Parameter importance as horizontal bars (normalised ε², most important on top), value at each bar. */
export function hpoImportanceFigure(importance: readonly ParamImportance[], name: string): string | null {
  if (importance.length === 0) return null;
  const height = 40 + 26 * importance.length;
  const root = figureRoot(THEME.width, height);
  const plot = Plot.plot({
    document: svgDocument(),
    width: THEME.width,
    height,
    marginLeft: 140,
    marginRight: 60,
    marginTop: 8,
    marginBottom: 34,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { domain: [0, 1], label: "importance (share of explained variance)", labelAnchor: "center", labelArrow: "none", grid: true },
    y: { domain: importance.map((r) => r.param), label: null, tickSize: 0 },
    marks: [
      Plot.barX(importance, { x: "importance", y: "param", fill: SERIES_COLORS.point }),
      Plot.text(importance, { x: "importance", y: "param", text: (d: ParamImportance) => d.importance.toFixed(2), dx: 6, textAnchor: "start" }),
      Plot.ruleX([0]),
    ],
  });
  root.append(placePlot(plot, 0, 0));
  return serializeFigure(root, name);
}
