import { join } from "node:path";
import { z } from "zod";
import {
  METRIC_NAMES,
  METRIC_RANGES,
  aggregateCompareCsv,
  aggregateCsv,
  aggregateJson,
  SUMMARY_COLUMNS,
  bootstrapRuns,
  checkPairedSeeds,
  checkSourcePattern,
  checkUniform,
  compareRuns,
  comparisonTable,
  describeDifferences,
  describeSkipped,
  discoverRuns,
  metricSummary,
  missingFolds,
  pairRuns,
  predictionScorer,
  readPredictions,
  readRun,
  summaryTable,
  type MetricName,
  type EvaluatedPart,
  type MetricSummary,
  type Predictions,
  type Run,
  type RunMetrics,
  type SkippedRun,
} from "../lib/aggregate/index.ts";
import { usageError } from "../lib/errors/index.ts";
import { stream } from "../lib/rng/index.ts";
import { summarize, type BootstrapInterval } from "../lib/stats/index.ts";
import { defineTask } from "../lib/task/index.ts";
import type { TaskContext } from "../lib/task/index.ts";

/** Coverage of every interval in aggregate.json. */
const CONFIDENCE = 0.95;

const COMPARE_COLUMNS = ["n", "mean_diff", "diff_ci_low", "diff_ci_high", "t_p", "wilcoxon_p", "wilcoxon_method", "nb_p", "p_a_gt_b", "holm_p"] as const;

/** What each `--part` measures, as aggregate.json states it next to the numbers. */
const PART_NOTES: Record<EvaluatedPart, string> = {
  val: "validation part: the best epoch (and any HPO choice) was selected on these same data, so the numbers are optimistic; report --part test where the runs have a test part",
  test: "held-out test part: never used for training, early stopping or model selection; evaluated once with the best epoch's weights",
};

/** Runs under `patterns`, read and sorted by seed, then fold (hold-out first). */
function loadRuns(patterns: readonly string[], flag: string, part: EvaluatedPart, ctx: TaskContext): Run[] {
  const skipped: SkippedRun[] = [];
  const locations = discoverRuns(patterns, flag, skipped);
  if (skipped.length) ctx.log.warn(describeSkipped(skipped));
  for (const cvDir of new Set(locations.flatMap((l) => (l.cvDir ? [l.cvDir] : [])))) {
    const missing = missingFolds(cvDir);
    if (missing.length) ctx.log.warn(`${cvDir}: cv_summary.json lists missing folds ${missing.join(", ")}; aggregating the folds present`);
  }
  const runs = locations.map((l) => readRun(l.dir, l.cvDir, part)).sort((a, b) => a.seed - b.seed || (a.fold ?? 0) - (b.fold ?? 0));
  const reference = runs.filter((r) => r.origin === "reference");
  if (reference.length) {
    ctx.log.warn(
      `${reference.length} run(s) written by the reference pipeline (${reference.map((r) => r.dir).join(", ")}): their val_metrics.json holds the last epoch, not the best one; fold from fold_k, backend "${reference[0]?.backend}"`,
    );
  }
  return runs;
}

function checkSame(runs: readonly Run[], what: string, allowMixed: boolean, ctx: TaskContext, fields?: Parameters<typeof checkUniform>[3]): string[] {
  const differences = checkUniform(runs, what, allowMixed, fields);
  if (differences.length) ctx.log.warn(`--allow-mixed: ${what} differ in ${describeDifferences(differences)}`);
  return differences.map((d) => d.key);
}

const params = z.object({
  run: z
    .array(z.string())
    .default([])
    .describe("a run directory (summary.json), an outdir holding results*/ runs, or a CV directory (cv_summary.json); globs allowed; repeat the flag"),
  outdir: z.string().default("outputs/aggregate").describe("directory to write aggregate.json and aggregate.csv into"),
  part: z.enum(["val", "test"]).default("val").describe("which evaluation to aggregate: val (the best epoch was chosen on it: optimistic) or test (the held-out test part)"),
  sigma: z.enum(["sample", "population"]).default("sample").describe("σ to report: sample (n − 1) or population (n, as the reference pipeline's tables)"),
  bootstrap: z.number().int().nonnegative().default(5000).describe("patient-level bootstrap resamples for the metric intervals (0 disables)"),
  seed: z.number().int().nonnegative().default(42).describe("root seed of the bootstrap stream"),
  allowMixed: z.boolean().default(false).describe("aggregate runs whose config, data_fingerprint, backend or per-source seed pattern differ (warns instead of refusing)"),
  compare: z
    .array(z.string())
    .default([])
    .describe("two configurations A and B to compare (--compare A --compare B), each a directory or glob like --run; runs are paired by seed and fold; without --run, the summary is of A"),
});

type Params = z.infer<typeof params>;

/** Warns about runs counted twice (same seed and fold); the pooling checks refuse the rest. */
function warnDuplicates(runs: readonly Run[], ctx: TaskContext): void {
  const seen = new Map<string, string>();
  for (const run of runs) {
    const key = `${run.seed}/${run.fold}`;
    const other = seen.get(key);
    if (other) ctx.log.warn(`${run.dir} and ${other} have the same seed ${run.seed}${run.fold === null ? "" : ` and fold ${run.fold}`}: both are counted`);
    seen.set(key, run.dir);
  }
}

/**
 * Patient-bootstrap intervals of every metric from the runs' predictions (their files are added
 * to `inputs`); warns where the predictions do not reproduce the reported metrics.
 */
function bootstrapIntervals(runs: readonly Run[], p: Params, ctx: TaskContext, inputs: string[]): Record<MetricName, BootstrapInterval> {
  const predictions = runs.map((r) => readPredictions(r.dir, p.part));
  inputs.push(...predictions.map((pr) => pr.file));
  // The intervals are about the predictions; say so when they do not reproduce the reported metrics.
  runs.forEach((run, i) => {
    const recomputed = predictionScorer(predictions[i] as Predictions)(null) as RunMetrics;
    const off = METRIC_NAMES.filter((m) => {
      const [x, y] = [run.metrics[m], recomputed[m]];
      return x === null || y === null ? x !== y : Math.abs(x - y) > 1e-6;
    });
    if (off.length) {
      ctx.log.warn(`${run.dir}: ${p.part}_predictions.csv does not reproduce ${p.part}_metrics.json for ${off.map((m) => `${m} (${run.metrics[m]} vs ${recomputed[m]})`).join(", ")}`);
    }
  });
  const bar = ctx.progress("bootstrap", p.bootstrap);
  const boot = bootstrapRuns(predictions, { resamples: p.bootstrap, rng: stream(p.seed, "bootstrap"), confidence: CONFIDENCE, onResample: () => bar.increment() });
  bar.stop();
  for (const m of METRIC_NAMES) {
    const undefinedResamples = boot[m].undefinedResamples;
    if (undefinedResamples > 0) ctx.log.warn(`bootstrap ${m}: undefined on ${undefinedResamples} of ${p.bootstrap} resamples (left out of its intervals; column boot_undefined)`);
  }
  return boot;
}

/** mean ± σ, CV %, SE and the t interval of each metric over the runs, with the bootstrap intervals. */
function summarizeMetrics(runs: readonly Run[], sigma: Params["sigma"], boot: Record<MetricName, BootstrapInterval> | null): Record<MetricName, MetricSummary> {
  return Object.fromEntries(
    METRIC_NAMES.map((m) => {
      const values = runs.flatMap((r) => (r.metrics[m] === null ? [] : [r.metrics[m] as number]));
      return [m, metricSummary(summarize(values, { sigma, confidence: CONFIDENCE, range: METRIC_RANGES[m] }), boot ? boot[m] : null)];
    }),
  ) as Record<MetricName, MetricSummary>;
}

/** The paired comparison A − B (`--compare A --compare B`), also written as aggregate_compare.csv; its runs' files are added to `inputs`. */
function compareConfigurations(runs: Run[], p: Params, patterns: [string, string], ctx: TaskContext, inputs: string[]) {
  const [patternA, patternB] = patterns;
  const a = p.run.length ? loadRuns([patternA], "--compare", p.part, ctx) : runs;
  const b = loadRuns([patternB], "--compare", p.part, ctx);
  if (p.run.length) checkSame(a, `runs of ${patternA}`, p.allowMixed, ctx);
  checkSame(b, `runs of ${patternB}`, p.allowMixed, ctx);
  checkSame([...a, ...b], `${patternA} and ${patternB}`, p.allowMixed, ctx, ["data_fingerprint"]);
  inputs.push(...a.flatMap((r) => r.files), ...b.flatMap((r) => r.files));
  const pairs = pairRuns(a, b, { a: patternA, b: patternB });
  const unpaired = checkPairedSeeds(pairs, p.allowMixed);
  if (unpaired) ctx.log.warn(`--allow-mixed: ${unpaired}`);
  const comparison = compareRuns(pairs, CONFIDENCE);
  ctx.artifacts.writeCsv(
    aggregateCompareCsv,
    join(p.outdir, "aggregate_compare.csv"),
    ["metric", ...COMPARE_COLUMNS],
    METRIC_NAMES.map((m) => [m, ...COMPARE_COLUMNS.map((c) => comparison.metrics[m][c])]),
    [...new Set(inputs)],
  );
  return { compare: { a: patternA, b: patternB, ...comparison }, lines: comparisonTable(comparison, CONFIDENCE) };
}

/**
 * Writes `<outdir>/aggregate.json` (contract: sigma, confidence, runs, metrics, bootstrap, compare)
 * and `aggregate.csv` (one row per metric), plus `aggregate_compare.csv` with `--compare`.
 * Beyond the contract: `mixed` lists the setup keys that differ between the runs (only ever
 * non-empty with --allow-mixed); `seed_sources` says which sources of randomness varied across the
 * runs and which were held fixed (runs mixing them otherwise are refused); `compare` also holds `holm_on`, `nb_test_train_ratio`, and per
 * metric `n` (pairs) and `wilcoxon_method`.
 * `std` and `cv_pct` use the chosen σ; `se` and the t interval always use the sample σ, which is
 * what the t distribution is defined with. The t interval stays inside each metric's range
 * (`METRIC_RANGES`): computed on the logit scale, or clipped when a value sits on a bound
 * (`t_ci_scale` says which). Metrics come from each run's `metrics/<part>_metrics.json` (best
 * epoch); the bootstrap intervals (percentile and BCa, see `bootstrapRuns`) from its
 * `<part>_predictions.csv`, with `boot_undefined` resamples left out. `part` and `part_note` say
 * which data the numbers are about and whether a choice was made on them.
 */
export default defineTask({
  name: "aggregate",
  description: "Mean ± σ, CV %, t and patient-bootstrap intervals of runs over seeds/folds; paired comparison of two configurations",
  params,
  examples: [
    "bun run task aggregate --run 'outputs/mammo_efficientnetb0_density/results*' --outdir outputs/aggregate",
    "bun run task aggregate --run outputs/cv_seed42 --sigma population --bootstrap 0",
    "bun run task aggregate --run 'outputs/mammo_efficientnetb0_density/results*' --part test --outdir outputs/aggregate_test",
    "bun run task aggregate --compare 'outputs/cfg_a/*' --compare 'outputs/cfg_b/*' --outdir outputs/compare_a_b",
  ],
  outputs: (p) => [join(p.outdir, "aggregate.json"), join(p.outdir, "aggregate.csv")],
  async run(params, ctx) {
    if (params.compare.length !== 0 && params.compare.length !== 2) {
      throw usageError("bad_compare", `--compare needs exactly two configurations (A then B), got ${params.compare.length}: ${params.compare.join(", ")}`);
    }
    if (!params.run.length && !params.compare.length) throw usageError("no_runs", "nothing to aggregate: give --run DIR (repeatable) or --compare A --compare B");
    const [patternA, patternB] = params.compare;
    const part = params.part;
    const runs = params.run.length ? loadRuns(params.run, "--run", part, ctx) : loadRuns([patternA as string], "--compare", part, ctx);
    const mixed = checkSame(runs, "runs", params.allowMixed, ctx);
    const sources = checkSourcePattern(runs, "runs", params.allowMixed);
    if (sources.problem) ctx.log.warn(`--allow-mixed: ${sources.problem}`);
    warnDuplicates(runs, ctx);
    const inputs = runs.flatMap((r) => r.files);
    const boot = params.bootstrap > 0 ? bootstrapIntervals(runs, params, ctx, inputs) : null;
    const metrics = summarizeMetrics(runs, params.sigma, boot);
    const compared = patternA !== undefined && patternB !== undefined ? compareConfigurations(runs, params, [patternA, patternB], ctx, inputs) : null;

    const path = join(params.outdir, "aggregate.json");
    ctx.artifacts.writeJson(
      aggregateJson,
      path,
      {
        sigma: params.sigma,
        confidence: CONFIDENCE,
        part,
        part_note: PART_NOTES[part],
        runs: runs.map((r) => ({ dir: r.dir, seed: r.seed, fold: r.fold, origin: r.origin, metrics: r.metrics })),
        metrics,
        bootstrap: { resamples: params.bootstrap, unit: "patient", seed: params.seed, intervals: params.bootstrap > 0 ? ["percentile", "bca"] : [] },
        t_interval: { scale: "logit (clipped where a value sits on the metric's bound; see t_ci_scale)", ranges: METRIC_RANGES },
        mixed,
        seed_sources: sources.pattern,
        ...(compared ? { compare: compared.compare } : {}),
      },
      [...new Set(inputs)],
    );
    ctx.artifacts.writeCsv(aggregateCsv, join(params.outdir, "aggregate.csv"), ["metric", ...SUMMARY_COLUMNS], METRIC_NAMES.map((m) => [m, ...SUMMARY_COLUMNS.map((c) => metrics[m][c])]), [...new Set(inputs)]);

    const seeds = [...new Set(runs.map((r) => r.seed))];
    ctx.log.info(`${runs.length} run(s), seeds ${seeds.join(", ")}${runs.some((r) => r.fold !== null) ? " (CV folds)" : ""}; ${part === "val" ? "validation" : "test"} metrics (${PART_NOTES[part]})`);
    for (const line of summaryTable(metrics, params.sigma, CONFIDENCE, params.bootstrap)) ctx.log.info(line);
    if (compared) {
      ctx.log.info(`A = ${patternA}, B = ${patternB}`);
      for (const line of compared.lines) ctx.log.info(line);
    }
    return { path, runs: runs.length, sigma: params.sigma, part };
  },
});
