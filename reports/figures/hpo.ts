import { Plot } from "./plot.ts";
import { bestSoFar, type HpoStudy } from "../inputs/hpo.ts";
import { figureRoot, legend, placePlot, serializeFigure, svgDocument } from "./svg.ts";
import { SERIES_COLORS, THEME } from "./theme.ts";

/**
 * Optimization history (as Optuna's dashboard has it): HPO objective by trial: each finished trial as a dot, the best value so far as a step line,
 * and trials without a value (failed or pruned) as crosses along the bottom.
 */
export function hpoFigure(study: HpoStudy, name: string): string {
  const best = bestSoFar(study);
  const done = study.trials.filter((t) => t.objective !== null).map((t) => ({ trial: t.trialId, objective: t.objective as number }));
  const failed = study.trials.filter((t) => t.objective === null).map((t) => ({ trial: t.trialId }));
  const steps = study.trials.flatMap((t, i) => (best[i] === null ? [] : [{ trial: t.trialId, best: best[i] as number }]));
  const values = done.map((d) => d.objective);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const pad = Math.max((hi - lo) * 0.1, 0.01);
  const plotTop = THEME.legendHeight + 2;
  const plotHeight = 300;
  const root = figureRoot(THEME.width, plotTop + plotHeight + 4);
  const plot = Plot.plot({
    document: svgDocument(),
    width: THEME.width,
    height: plotHeight,
    marginLeft: 56,
    marginRight: 20,
    marginTop: 24,
    marginBottom: 38,
    style: { fontSize: `${THEME.fontSize}px` },
    x: { label: "trial", tickFormat: "d", labelAnchor: "center", labelArrow: "none", ...(study.trials.length <= 20 ? { ticks: study.trials.map((t) => t.trialId) } : {}) },
    y: { label: study.objectiveName ? `objective (${study.objectiveName})` : "objective", grid: true, domain: [lo - pad, hi + pad], labelArrow: "none" },
    marks: [
      Plot.line(steps, { x: "trial", y: "best", curve: "step-after", stroke: SERIES_COLORS.spread, strokeWidth: 2 }),
      Plot.dot(done, { x: "trial", y: "objective", fill: SERIES_COLORS.point, r: 4 }),
      Plot.dot(failed, { x: "trial", y: () => lo - pad * 0.6, symbol: "times", stroke: THEME.bad, r: 5, strokeWidth: 2 }),
    ],
  });
  root.append(
    legend(
      [
        { label: "trial objective", color: SERIES_COLORS.point, kind: "dot" },
        { label: `best so far (${study.direction === "maximize" ? "max" : "min"})`, color: SERIES_COLORS.spread, kind: "line" },
        ...(failed.length ? [{ label: `failed or pruned (${failed.length})`, color: THEME.bad, kind: "cross" as const }] : []),
      ],
      60,
      12,
    ),
    placePlot(plot, 0, plotTop),
  );
  return serializeFigure(root, name);
}
