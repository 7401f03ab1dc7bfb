import { z } from "zod";
import { csvNumber, defineArtifact, enveloped } from "../artifacts/index.ts";
import { SEED_SOURCES } from "../rng/index.ts";
import { METRIC_NAMES, SUMMARY_COLUMNS } from "./metrics.ts";

const num = z.number().nullable();
const byMetric = <T extends z.ZodType>(value: T) => z.object(Object.fromEntries(METRIC_NAMES.map((m) => [m, value])) as Record<(typeof METRIC_NAMES)[number], T>);

/** Statistics of one metric across the runs (see `MetricSummary`). */
export const metricStatsSchema = z.object({
  n: z.number().int().nonnegative(),
  mean: num,
  std: num,
  cv_pct: num,
  se: num,
  t_ci_low: num,
  t_ci_high: num,
  /** How the t interval respects the metric's range; null when n < 2. */
  t_ci_scale: z.enum(["logit", "clipped", "linear"]).nullable(),
  boot_ci_low: num,
  boot_ci_high: num,
  boot_bca_low: num,
  boot_bca_high: num,
  /** Bootstrap resamples on which the metric was undefined (left out of its intervals); null without bootstrap. */
  boot_undefined: num,
  median: num,
  min: num,
  max: num,
});

/** A − B on one metric over the paired runs (see `MetricComparison`). */
export const compareMetricSchema = z.object({
  n: z.number().int().nonnegative(),
  mean_diff: num,
  diff_ci_low: num,
  diff_ci_high: num,
  t_p: num,
  wilcoxon_p: num,
  wilcoxon_method: z.enum(["exact", "normal"]),
  nb_p: num,
  p_a_gt_b: num,
  holm_p: num,
});

const range = z.object({ min: z.number(), max: z.number() });

/** `aggregate.json`: the envelope, then mean ± σ, CV %, intervals and comparisons over runs. */
export const aggregateSchema = enveloped(
  z.object({
    sigma: z.enum(["sample", "population"]),
    /** Coverage of every interval. */
    confidence: z.number().gt(0).lt(1),
    /** Which evaluation the runs' metrics are: val (the best epoch was chosen on it) or test (held out). */
    part: z.enum(["val", "test"]),
    part_note: z.string(),
    runs: z.array(
      z.object({
        dir: z.string(),
        seed: z.number().int(),
        fold: z.number().int().nullable(),
        origin: z.enum(["project", "reference"]),
        metrics: byMetric(num),
      }),
    ),
    metrics: byMetric(metricStatsSchema),
    bootstrap: z.object({ resamples: z.number().int().nonnegative(), unit: z.literal("patient"), seed: z.number().int(), intervals: z.array(z.enum(["percentile", "bca"])) }),
    t_interval: z.object({ scale: z.string(), ranges: byMetric(range) }),
    /** Setup keys that differ between the runs (non-empty only with --allow-mixed). */
    mixed: z.array(z.string()),
    /** Which sources of randomness varied across the runs, and the seed of those held fixed. */
    seed_sources: z.object({ varying: z.array(z.enum(SEED_SOURCES)), fixed: z.partialRecord(z.enum(SEED_SOURCES), z.number().int()) }),
    /** With --compare: A − B per metric over runs paired by seed and fold. */
    compare: z
      .object({
        a: z.string(),
        b: z.string(),
        paired_on: z.array(z.object({ seed: z.number().int(), fold: z.number().int().nullable() })),
        holm_on: z.enum(["nb_p", "t_p"]),
        nb_test_train_ratio: num,
        metrics: byMetric(compareMetricSchema),
      })
      .optional(),
  }),
);
export type AggregateArtifact = z.infer<typeof aggregateSchema>;

export const aggregateJson = defineArtifact({
  name: "aggregate",
  path: "<outdir>/aggregate.json",
  format: "json",
  schema: aggregateSchema,
  enveloped: true,
  writer: "tasks/aggregate.ts",
  readers: ["reports/inputs/aggregate.ts", "tasks/demo.ts", "tasks/plan-seeds.ts"],
  description: "Mean ± σ, CV %, SE, t interval (logit scale) and patient-bootstrap intervals (percentile, BCa) of every metric over the runs, which data they are about (`part`), each run's metrics, and with --compare the paired comparison A − B.",
  version: 1,
});

export const aggregateCsv = defineArtifact({
  name: "aggregate_csv",
  path: "<outdir>/aggregate.csv",
  format: "csv",
  schema: z.object({ metric: z.enum(METRIC_NAMES), ...Object.fromEntries(SUMMARY_COLUMNS.map((c) => [c, c === "t_ci_scale" ? z.enum(["logit", "clipped", "linear", ""]) : csvNumber])) }),
  enveloped: false,
  writer: "tasks/aggregate.ts",
  readers: [],
  description: "aggregate.json's per-metric statistics as a table: one row per metric (empty cells are null).",
  version: 1,
});

export const aggregateCompareCsv = defineArtifact({
  name: "aggregate_compare",
  path: "<outdir>/aggregate_compare.csv",
  format: "csv",
  schema: z.object({ metric: z.enum(METRIC_NAMES), ...Object.fromEntries(Object.keys(compareMetricSchema.shape).map((c) => [c, c === "wilcoxon_method" ? z.enum(["exact", "normal"]) : csvNumber])) }),
  enveloped: false,
  writer: "tasks/aggregate.ts",
  readers: [],
  description: "With --compare: aggregate.json's comparison as a table, one row per metric.",
  version: 1,
});
