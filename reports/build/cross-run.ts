import { join } from "node:path";
import type { Aggregate } from "../inputs/aggregate.ts";
import type { CvSummary } from "../inputs/cv.ts";
import type { HpoStudy } from "../inputs/hpo.ts";
import { hpoFigure } from "../figures/hpo.ts";
import { spreadFigure, type SpreadRow } from "../figures/spread.ts";
import { SPREAD_METRICS } from "../metrics.ts";
import { interpretCv, interpretHpo, interpretSeeds } from "../notebook/interpret.ts";
import { cvSigmaLabel } from "../tables/cv-table.ts";
import type { ReportFigure } from "./types.ts";

/** `density_seeds_metrics`: every run's value per metric with the aggregate's mean ± σ and t-interval. */
export function seedsFigure(aggregate: Aggregate, path: string): ReportFigure | null {
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
    svg: spreadFigure({ name, title: `Validation metrics across ${runs.length} run${runs.length > 1 ? "s" : ""}`, rows, pointLabel: "seed", sdLabel: `mean ± σ (${aggregate.sigma})`, ciLabel: `${level} CI (t)` }),
    caption: `Validation metrics of ${runs.length} runs (seeds ${runs.map((r) => r.seed).join(", ")}): each run's value (dots), mean ± σ (band; σ ${aggregate.sigma}) and the ${level} t confidence interval of the mean (whiskers).`,
    note: interpretSeeds(aggregate),
    source: path,
  };
}

/** `density_cv_folds`: each fold's value per metric with the cv summary's mean ± SD and interval. */
export function cvFigure(cv: CvSummary & { path: string }): ReportFigure | null {
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
  const level = `${Math.round(100 * (cv.confidence ?? 0.95))} %`;
  const sd = cvSigmaLabel(cv).text;
  const k = cv.folds.length;
  const name = "density_cv_folds";
  return {
    name,
    svg: spreadFigure({ name, title: `${k}-fold cross-validation: metrics per fold`, rows, pointLabel: "fold", sdLabel: `mean ± ${sd}`, ciLabel: hasCi ? `${level} CI` : null }),
    caption: `Cross-validation over ${k} folds${cv.seed === undefined ? "" : ` (seed ${cv.seed})`}: each fold's validation value (dots), mean ± ${sd} (band)${hasCi ? ` and the ${level} confidence interval (whiskers)` : ""}.`,
    note: interpretCv(cv),
    source: cv.path,
  };
}

/** `density_hpo_trials`: the objective by trial and the best value so far. */
export function hpoTrialsFigure(study: HpoStudy): ReportFigure {
  const name = "density_hpo_trials";
  const what = study.objectiveName ? ` (${study.objectiveName})` : "";
  return {
    name,
    svg: hpoFigure(study, name, `Hyperparameter search: objective${what} by trial`),
    caption: `Hyperparameter search over ${study.trials.length} trials: each trial's objective${what} (dots), the best value so far (${study.direction === "maximize" ? "maximised" : "minimised"}, line) and trials that failed or were pruned (crosses).`,
    note: interpretHpo(study),
    source: study.readFrom === "optuna_trial.json" ? join(study.dir, "**", "optuna_trial.json") : join(study.dir, study.readFrom),
  };
}
