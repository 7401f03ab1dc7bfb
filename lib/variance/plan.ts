import quantileT from "@stdlib/stats-base-dists-t-quantile";
import { z } from "zod";
import { aggregateSchema, type MetricName } from "../aggregate/index.ts";
import { defineArtifact, enveloped, readArtifact } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import { solveEffectSize, solveSampleSize, std, tTestPower, type PowerDesign } from "../stats/index.ts";
import { readVariance } from "./artifact.ts";

/** The σ a plan starts from, and where it was measured. */
export interface Pilot {
  kind: "aggregate" | "compare" | "variance";
  path: string;
  design: PowerDesign;
  /** Runs (or pairs) the σ was measured on. */
  n: number;
  /** Sample σ of the metric over seeds (independent), or of the paired differences A − B (paired). */
  sigma: number;
  /** What σ is, in words. */
  sigmaOf: string;
}

/** What a pilot needs of aggregate.json (seed_sources is absent in files made before sources existed). */
const pilotSchema = aggregateSchema.pick({ confidence: true, runs: true, seed_sources: true, compare: true }).partial({ seed_sources: true });

/**
 * The pilot σ of `metric` in an aggregate.json: with a `compare` block (aggregate --compare), the
 * σ of the paired differences, recovered exactly from the paired t interval of the mean difference
 * (half-width = t(1 − α/2, n − 1) · s_d / √n); otherwise the sample σ of the runs' values
 * (recomputed from `runs`, since the aggregate's `std` may be the population σ).
 */
export function pilotFromAggregate(path: string, metric: MetricName): Pilot {
  const agg = readArtifact(path, "aggregate", pilotSchema, "aggregate");
  if (agg.compare) {
    const c = agg.compare.metrics[metric];
    if (!c) throw usageError("bad_metric", `${path}: compare has no metric ${metric}`);
    if (agg.compare.nb_test_train_ratio !== null && agg.compare.nb_test_train_ratio !== undefined) {
      throw usageError("bad_pilot", `${path} compares cross-validation folds (Nadeau–Bengio); plan-seeds plans hold-out runs over seeds: compare runs over seeds instead`);
    }
    if (c.n < 2 || c.diff_ci_low === null || c.diff_ci_high === null) throw usageError("bad_pilot", `${path}: the comparison of ${metric} has ${c.n} pair(s) and no interval: a paired plan needs at least 2 pairs`);
    const half = (c.diff_ci_high - c.diff_ci_low) / 2;
    const sigma = (half * Math.sqrt(c.n)) / quantileT(1 - (1 - agg.confidence) / 2, c.n - 1);
    return { kind: "compare", path, design: "paired", n: c.n, sigma, sigmaOf: `the paired differences ${agg.compare.a} − ${agg.compare.b}` };
  }
  if (agg.runs.some((r) => r.fold !== null)) throw usageError("bad_pilot", `${path} aggregates cross-validation folds; plan-seeds plans hold-out runs over seeds`);
  const values = agg.runs.flatMap((r) => (typeof r.metrics[metric] === "number" ? [r.metrics[metric] as number] : []));
  if (values.length < 2) throw usageError("bad_pilot", `${path}: ${metric} is defined in ${values.length} run(s); σ needs at least 2`);
  const varying = agg.seed_sources?.varying;
  const over = varying && varying.length < 5 ? ` (only ${varying.join(", ")} varied)` : "";
  return { kind: "aggregate", path, design: "independent", n: values.length, sigma: std(values, "sample"), sigmaOf: `${metric} over ${values.length} seeds${over}` };
}

/**
 * The pilot σ of `metric` in a variance study: σ of the study's total (for `all`, the variance
 * with every source varying; for one-at-a-time, the sum of the per-source variances, which
 * overstates it when sources overlap), on the study's n runs.
 */
export function pilotFromVariance(path: string, metric: string): Pilot {
  const study = readVariance(path);
  const d = study.metrics[metric];
  if (!d || d.total.variance === null) throw usageError("bad_pilot", `${path}: no variance of ${metric}`);
  return { kind: "variance", path, design: "independent", n: study.n, sigma: Math.sqrt(d.total.variance), sigmaOf: `${metric}: √(${d.total.of}) of a ${study.design} study` };
}

/** A seed plan (plan.json's body after the envelope). */
export interface SeedPlan {
  metric: string;
  delta: number;
  alpha: number;
  power: number;
  design: PowerDesign;
  pilot: { kind: Pilot["kind"]; path: string; n: number; sigma: number; sigma_of: string };
  /** Δ / σ. */
  effect_size: number;
  /** Seeds per configuration (paired: pairs of runs sharing each seed), rounded up. */
  n_required: number;
  /** The continuous solution before rounding (statsmodels' solve_power). */
  n_required_exact: number;
  /** Power reached with n_required. */
  power_at_n_required: number;
  /** Smallest difference detectable with the pilot's n at α and power (σ × the effect size solved for). */
  min_detectable_delta: number;
  min_detectable_effect_size: number;
  sentence: string;
}

/** How the report and logs write a difference in a metric. */
export const DELTA_SYMBOL: Record<string, string> = { kappa_quadratic: "Δκ", accuracy: "Δaccuracy", macro_f1: "Δmacro-F1", auc_ovr: "ΔAUC", bal_acc: "Δbalanced accuracy" };

const fmt = (x: number) => String(Number(x.toPrecision(3)));

/**
 * Seeds needed to detect a difference `delta` in `metric` with a two-sided t test at `alpha` and
 * `power`, from the pilot's σ: independent configurations sharing the pilot's σ (TTestIndPower,
 * n per configuration), or paired by seed on the σ of the differences (TTestPower, n pairs).
 */
export function planSeeds(pilot: Pilot, metric: string, delta: number, alpha: number, power: number): SeedPlan {
  if (!(delta > 0)) throw usageError("bad_value", `invalid --delta: ${delta} (expected a difference > 0)`);
  if (!(pilot.sigma > 0)) throw usageError("bad_pilot", `${pilot.path}: σ of ${pilot.sigmaOf} is 0 (identical runs?): there is no spread to plan with`);
  const d = delta / pilot.sigma;
  const exact = solveSampleSize(pilot.design, d, alpha, power);
  const required = Math.max(2, Math.ceil(exact - 1e-9));
  const minEffect = solveEffectSize(pilot.design, pilot.n, alpha, power);
  const symbol = DELTA_SYMBOL[metric] ?? `Δ${metric}`;
  const unit = pilot.design === "paired" ? "paired seeds" : "seeds per configuration";
  const sentence =
    `to detect ${symbol} = ${fmt(delta)} at α = ${fmt(alpha)} with ${fmt(100 * power)} % power: ${required} ${unit} ` +
    `(σ = ${fmt(pilot.sigma)} from ${pilot.n} ${pilot.design === "paired" ? "pairs" : "runs"}; with ${pilot.n}, the smallest detectable ${symbol} is ${fmt(minEffect * pilot.sigma)})`;
  return {
    metric,
    delta,
    alpha,
    power,
    design: pilot.design,
    pilot: { kind: pilot.kind, path: pilot.path, n: pilot.n, sigma: pilot.sigma, sigma_of: pilot.sigmaOf },
    effect_size: d,
    n_required: required,
    n_required_exact: exact,
    power_at_n_required: tTestPower(pilot.design, d, required, alpha),
    min_detectable_delta: minEffect * pilot.sigma,
    min_detectable_effect_size: minEffect,
    sentence,
  };
}

/** `plan.json`: the envelope, then the seed plan (see `SeedPlan`). */
export const planSchema = enveloped(
  z.object({
    metric: z.string(),
    delta: z.number(),
    alpha: z.number(),
    power: z.number(),
    design: z.enum(["paired", "independent"]),
    pilot: z.object({ kind: z.enum(["aggregate", "compare", "variance"]), path: z.string(), n: z.number().int(), sigma: z.number(), sigma_of: z.string() }),
    effect_size: z.number(),
    n_required: z.number().int(),
    n_required_exact: z.number(),
    power_at_n_required: z.number(),
    min_detectable_delta: z.number(),
    min_detectable_effect_size: z.number(),
    sentence: z.string(),
  }),
);

export const planJson = defineArtifact({
  name: "plan",
  path: "<outdir>/plan.json",
  format: "json",
  schema: planSchema,
  enveloped: true,
  writer: "tasks/plan-seeds.ts",
  readers: ["reports/inputs/variance.ts"],
  description: "How many seeds a claim needs: the pilot σ and where it was measured, the seeds per configuration (or pairs) to detect `delta` at `alpha` and `power`, and the smallest difference the pilot's seeds can detect, with the sentence the report prints.",
  version: 1,
});

/** Reads and validates `plan.json`; an artifact of another task is an error naming the file. */
export function readPlan(path: string): SeedPlan {
  return readArtifact(path, "plan-seeds", planSchema, "seed plan");
}
