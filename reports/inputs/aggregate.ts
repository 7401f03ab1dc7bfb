import { z } from "zod";
import { readJson } from "../../lib/artifacts/index.ts";
import { usageError } from "../../lib/errors/index.ts";

const num = z.number().nullable();

/** Statistics of one metric across runs, as the aggregate task computed them. */
const metricStatsSchema = z.looseObject({
  n: z.number().int(),
  mean: num,
  std: num,
  cv_pct: num,
  se: num.optional(),
  t_ci_low: num,
  t_ci_high: num,
  boot_ci_low: num.optional(),
  boot_ci_high: num.optional(),
  /** How the t interval respects the metric's range (aggregate ≥ issue 14): logit, clipped or linear. */
  t_ci_scale: z.enum(["logit", "clipped", "linear"]).nullable().optional(),
  boot_bca_low: num.optional(),
  boot_bca_high: num.optional(),
  /** Bootstrap resamples on which the metric was undefined, left out of its intervals. */
  boot_undefined: num.optional(),
  median: num.optional(),
  min: num,
  max: num,
});
export type MetricStats = z.infer<typeof metricStatsSchema>;

const compareMetricSchema = z.looseObject({
  mean_diff: num,
  diff_ci_low: num,
  diff_ci_high: num,
  t_p: num,
  wilcoxon_p: num,
  nb_p: num.optional(),
  p_a_gt_b: num.optional(),
  holm_p: num,
});
export type CompareMetric = z.infer<typeof compareMetricSchema>;

/**
 * `aggregate.json` as written by the aggregate task (see contracts): the report takes every
 * cross-run number from here and recomputes none of them.
 */
const aggregateSchema = z.looseObject({
  schemaVersion: z.number().int(),
  task: z.literal("aggregate"),
  createdAt: z.string(),
  params: z.record(z.string(), z.unknown()),
  provenance: z.record(z.string(), z.unknown()),
  sigma: z.enum(["sample", "population"]),
  confidence: z.number().gt(0).lt(1),
  runs: z.array(z.object({ dir: z.string(), seed: z.number().int(), fold: z.number().int().nullable(), metrics: z.record(z.string(), num) })),
  metrics: z.record(z.string(), metricStatsSchema),
  /** Which evaluation the runs' metrics are: val (the best epoch was chosen on it) or test (held out); absent before issue 14 = val. */
  part: z.enum(["val", "test"]).optional(),
  part_note: z.string().optional(),
  bootstrap: z.looseObject({ resamples: z.number().int(), unit: z.string(), seed: z.number().int() }).optional(),
  compare: z
    .looseObject({
      a: z.string(),
      b: z.string(),
      paired_on: z.array(z.unknown()),
      metrics: z.record(z.string(), compareMetricSchema),
    })
    .nullable()
    .optional(),
});
export type Aggregate = z.infer<typeof aggregateSchema>;

/** Reads and validates `aggregate.json`; an artifact of another task is an error naming the file. */
export function readAggregate(path: string): Aggregate {
  const raw = readJson(path, z.looseObject({ task: z.string() }), "aggregate");
  if (raw.task !== "aggregate") throw usageError("foreign_artifact", `${path} was written by task "${raw.task}", expected "aggregate"`);
  return readJson(path, aggregateSchema, "aggregate");
}
