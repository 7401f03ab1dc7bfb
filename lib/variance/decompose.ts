import type { MetricName } from "../aggregate/index.ts";
import { crossedComponents, oneFactorVariance, type VarianceEstimate } from "../stats/index.ts";
import type { Groups } from "./classify.ts";
import type { EvaluationNoise } from "./evaluation.ts";
import type { StudyRun } from "./read.ts";

/** One row of the decomposition: the variance of a metric attributed to one source (or the residual). */
export interface Component {
  /** `split` … `dropout`; `all` (every source at once), `none` (the control), `residual` (crossed: interaction + noise). */
  source: string;
  /** Runs the estimate used. */
  n: number;
  /** Degrees of freedom of the interval (Satterthwaite's may be fractional); null without an estimate. */
  df: number | null;
  variance: number | null;
  /** √variance, in the metric's unit. */
  sd: number | null;
  ci_low: number | null;
  /** Null when no finite upper bound exists. */
  ci_high: number | null;
  sd_ci_low: number | null;
  sd_ci_high: number | null;
  ci_method: VarianceEstimate["method"] | null;
  /** The moment estimate was negative and is reported as 0. */
  negative_estimate: boolean;
  /** variance / the total of the study's components; null when the total is 0. */
  share: number | null;
  /** variance / the evaluation noise (how many times what the validation set alone produces); null without it. */
  vs_evaluation: number | null;
  /** Directories of the runs used. */
  runs: string[];
}

export interface MetricDecomposition {
  components: Component[];
  /** Sum of the components; for one-at-a-time it is a sum of separately measured variances, not the variance with every source varying. */
  total: { variance: number | null; sd: number | null; of: string };
  evaluation: { variance: number | null; sd: number | null; runs: number; resamples: number } | null;
  /** Why a component has no estimate (a metric undefined in some runs). */
  notes: string[];
}

const sqrtOrNull = (v: number | null) => (v === null ? null : Math.sqrt(v));

function component(source: string, runs: readonly StudyRun[], estimate: VarianceEstimate | null): Component {
  return {
    source,
    n: runs.length,
    df: estimate?.df ?? null,
    variance: estimate?.variance ?? null,
    sd: sqrtOrNull(estimate?.variance ?? null),
    ci_low: estimate?.low ?? null,
    ci_high: estimate?.high ?? null,
    sd_ci_low: sqrtOrNull(estimate?.low ?? null),
    sd_ci_high: sqrtOrNull(estimate?.high ?? null),
    ci_method: estimate?.method ?? null,
    negative_estimate: estimate?.negative ?? false,
    share: null,
    vs_evaluation: null,
    runs: runs.map((r) => r.dir),
  };
}

/**
 * The variance of `metric` attributed to each source of the study, with intervals at
 * `confidence`, each one's share of the total, and beside them the evaluation noise.
 * - one-at-a-time: each arm's sample variance, χ² interval on n − 1 df;
 * - all / none: the sample variance of the runs, χ² interval (0 for an identical control);
 * - crossed: method-of-moments components from the two-way ANOVA's expected mean squares
 *   (see `crossedComponents`), negative estimates reported as 0 and flagged.
 */
export function decompose(groups: Groups, metric: MetricName, evaluation: EvaluationNoise | null, confidence: number): MetricDecomposition {
  const notes: string[] = [];
  const value = (run: StudyRun) => run.metrics[metric];
  const defined = (runs: readonly StudyRun[]) => runs.filter((r) => value(r) !== null);
  const oneFactor = (source: string, runs: readonly StudyRun[]): Component => {
    const used = defined(runs);
    if (used.length < runs.length) notes.push(`${source}: ${metric} is undefined in ${runs.length - used.length} of ${runs.length} runs (left out)`);
    return component(source, used, used.length >= 2 ? oneFactorVariance(used.map((r) => value(r) as number), confidence) : null);
  };
  let components: Component[];
  let of: string;
  switch (groups.design) {
    case "none":
    case "all":
      components = [oneFactor(groups.design, groups.runs)];
      of = groups.design === "all" ? "the variance with every source varying" : "the control (nothing varies)";
      break;
    case "one-at-a-time":
      components = groups.arms.map((arm) => oneFactor(arm.source, arm.runs));
      of = "the sum of the per-source variances (each measured with the other sources fixed)";
      break;
    case "crossed": {
      const runs = groups.grid.flat();
      of = `${groups.a} + ${groups.b} + residual`;
      if (defined(runs).length < runs.length) {
        notes.push(`${metric} is undefined in ${runs.length - defined(runs).length} of the ${runs.length} runs: the crossed decomposition needs every cell`);
        components = [component(groups.a, runs, null), component(groups.b, runs, null), component("residual", runs, null)];
      } else {
        const c = crossedComponents(groups.grid.map((row) => row.map((r) => value(r) as number)), confidence);
        components = [component(groups.a, runs, c.a), component(groups.b, runs, c.b), component("residual", runs, c.residual)];
      }
      break;
    }
  }
  const parts = components.map((c) => c.variance);
  const total = parts.every((v) => v !== null) ? (parts as number[]).reduce((a, b) => a + b, 0) : null;
  const noise = evaluation?.variance ?? null;
  for (const c of components) {
    if (c.variance === null) continue;
    c.share = total !== null && total > 0 ? c.variance / total : null;
    c.vs_evaluation = noise !== null && noise > 0 ? c.variance / noise : null;
  }
  return {
    components,
    total: { variance: total, sd: sqrtOrNull(total), of },
    evaluation: evaluation ? { variance: noise, sd: sqrtOrNull(noise), runs: evaluation.runs, resamples: evaluation.resamples } : null,
    notes,
  };
}
