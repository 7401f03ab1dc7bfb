import { join } from "node:path";
import type { Aggregate } from "../inputs/aggregate.ts";
import { CV_CONFIDENCE } from "../../lib/cv/index.ts";
import type { CvSummary } from "../inputs/cv.ts";
import type { HpoStudy } from "../inputs/hpo.ts";
import { hpoFigure } from "../figures/hpo.ts";
import { finishedTrials } from "../figures/hpo-axes.ts";
import { hpoImportanceFigure, hpoParallelFigure, hpoSliceFigure } from "../figures/hpo-params.ts";
import { paramImportance } from "../hpo/importance.ts";
import { spreadFigure, type SpreadAxis, type SpreadRow } from "../figures/spread.ts";
import { SPREAD_METRICS } from "../metrics.ts";
import { interpretCv, interpretHpo, interpretImportance, interpretSeeds } from "../notebook/interpret.ts";
import { cvSigmaLabel } from "../tables/cv-table.ts";
import type { ReportFigure } from "./types.ts";

/** `1 run`, `3 runs`. */
export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** `density_seeds_metrics`: every run's value per metric with the aggregate's mean ± σ and t-interval. */
export function seedsFigure(aggregate: Aggregate, path: string, axis: SpreadAxis = "shared"): ReportFigure | null {
  const runs = [...aggregate.runs].sort((a, b) => a.seed - b.seed || (a.fold ?? 0) - (b.fold ?? 0));
  const rows: SpreadRow[] = SPREAD_METRICS.flatMap((m) => {
    const stats = aggregate.metrics[m.key];
    const points = runs.flatMap((r) => {
      const value = r.metrics[m.key];
      return value === null || value === undefined ? [] : [{ label: r.fold === null ? String(r.seed) : `${r.seed}/${r.fold}`, value }];
    });
    if (!stats || points.length === 0) return [];
    return [{ metric: m.label, points, mean: stats.mean, sd: stats.std, ciLow: stats.t_ci_low, ciHigh: stats.t_ci_high }];
  });
  if (rows.length === 0) return null;
  const level = `${Math.round(100 * aggregate.confidence)} %`;
  const name = "density_seeds_metrics";
  return {
    name,
    svg: spreadFigure({ name, rows, pointLabel: "seed", sdLabel: `mean ± σ (${aggregate.sigma})`, ciLabel: `${level} CI (t)`, axis }),
    caption: `Validation metrics of ${plural(runs.length, "run")} (seed${runs.length === 1 ? "" : "s"} ${runs.map((r) => r.seed).join(", ")}): each run's value (dots; tied runs share a label), mean ± σ (band; σ ${aggregate.sigma}) and the ${level} t confidence interval of the mean (whiskers)${axis === "shared" ? "; all metrics on one axis" : "; each metric on its own axis"}.`,
    note: interpretSeeds(aggregate),
    source: path,
  };
}

/** `density_cv_folds`: each fold's value per metric with the cv summary's mean ± SD and interval. */
export function cvFigure(cv: CvSummary & { path: string }, axis: SpreadAxis = "shared"): ReportFigure | null {
  const hasCi = cv.ci_low !== undefined && cv.ci_high !== undefined;
  const rows: SpreadRow[] = SPREAD_METRICS.flatMap((m) => {
    const points = cv.folds.flatMap((f) => {
      const value = f.metrics[m.key];
      return value === null || value === undefined ? [] : [{ label: `fold ${f.fold}`, value }];
    });
    if (points.length === 0) return [];
    return [{ metric: m.label, points, mean: cv.mean[m.key] ?? null, sd: cv.std[m.key] ?? null, ciLow: cv.ci_low?.[m.key] ?? null, ciHigh: cv.ci_high?.[m.key] ?? null }];
  });
  if (rows.length === 0) return null;
  const level = `${Math.round(100 * CV_CONFIDENCE)} %`;
  const sd = cvSigmaLabel(cv).text;
  const k = cv.folds.length;
  const name = "density_cv_folds";
  return {
    name,
    svg: spreadFigure({ name, rows, pointLabel: "fold", sdLabel: `mean ± ${sd}`, ciLabel: hasCi ? `${level} CI` : null, axis }),
    caption: `Cross-validation over ${k} folds${cv.seed === undefined ? "" : ` (seed ${cv.seed})`}: each fold's validation value (dots), mean ± ${sd} (band)${hasCi ? ` and the ${level} confidence interval (whiskers)` : ""}.`,
    note: interpretCv(cv),
    source: cv.path,
  };
}

/** Where an HPO study was read from, for the notebook's source line. */
const hpoSource = (study: HpoStudy) => (study.readFrom === "optuna_trial.json" ? join(study.dir, "**", "optuna_trial.json") : join(study.dir, study.readFrom));

/**
 * The HPO figures Optuna's dashboard users look at: `density_hpo_trials` (optimization history),
 * and, when the trials record their params, `density_hpo_parallel` (parallel coordinates),
 * `density_hpo_slice` (slice plots) and `density_hpo_importance` (parameter importance).
 */
export function hpoFigures(study: HpoStudy): ReportFigure[] {
  const what = study.objectiveName ? ` (${study.objectiveName})` : "";
  const source = hpoSource(study);
  const figures: ReportFigure[] = [
    {
      name: "density_hpo_trials",
      svg: hpoFigure(study, "density_hpo_trials"),
      caption: `Optimization history of the hyperparameter search over ${plural(study.trials.length, "trial")}: each trial's objective${what} (dots), the best value so far (${study.direction === "maximize" ? "maximised" : "minimised"}, line) and trials that failed or were pruned (crosses).`,
      note: interpretHpo(study),
      source,
    },
  ];
  const { trials, params } = finishedTrials(study);
  const parallel = hpoParallelFigure(study, "density_hpo_parallel");
  if (parallel) {
    figures.push({
      name: "density_hpo_parallel",
      svg: parallel,
      caption: `Parallel coordinates of ${plural(trials.length, "finished trial")}: one axis per hyperparameter (${params.join(", ")}) and the objective${what}; each line is a trial, coloured by its objective (viridis: yellow is high).`,
      note: `Follow the yellow lines to see which values the best trials share.`,
      source,
    });
  }
  const slice = hpoSliceFigure(study, "density_hpo_slice");
  if (slice) {
    figures.push({
      name: "density_hpo_slice",
      svg: slice,
      caption: `Slice plots: the objective${what} of each finished trial against each hyperparameter, coloured by trial number (viridis: dark = early, yellow = late).`,
      note: "Each panel shows one parameter's main effect; the other parameters vary at the same time.",
      source,
    });
  }
  const importance = paramImportance(trials.map((t) => ({ params: t.params, value: t.objective })));
  const bars = hpoImportanceFigure(importance, "density_hpo_importance");
  if (bars) {
    figures.push({
      name: "density_hpo_importance",
      svg: bars,
      caption: `Hyperparameter importance: the share of the objective's variance across ${plural(trials.length, "finished trial")} that each parameter explains on its own (first-order variance decomposition: bias-corrected correlation ratio ε² over quantile bins, normalised to sum to 1).`,
      note: interpretImportance(importance),
      source,
    });
  }
  return figures;
}
