import { z } from "zod";
import { aggregateSchema, compareMetricSchema, metricStatsSchema } from "../../lib/aggregate/index.ts";
import { readArtifact } from "../../lib/artifacts/index.ts";

/** Statistics of one metric across runs, as the aggregate task computed them (the newer fields absent in older files). */
const metricStatsPart = metricStatsSchema.partial({ se: true, t_ci_scale: true, boot_ci_low: true, boot_ci_high: true, boot_bca_low: true, boot_bca_high: true, boot_undefined: true, median: true });
export type MetricStats = z.infer<typeof metricStatsPart>;

const compareMetricPart = compareMetricSchema.partial({ n: true, wilcoxon_method: true, nb_p: true, p_a_gt_b: true });
export type CompareMetric = z.infer<typeof compareMetricPart>;

const written = aggregateSchema.shape;

/**
 * What the report reads of `aggregate.json` (lib/aggregate's schema): the report takes every
 * cross-run number from here and recomputes none of them. Metrics are keyed by name; `part`
 * (issue 14), the bootstrap block and the comparison are absent in older files (part = val).
 */
const aggregatePart = z.object({
  schemaVersion: written.schemaVersion,
  task: z.literal("aggregate"),
  createdAt: written.createdAt,
  params: written.params,
  provenance: written.provenance,
  sigma: written.sigma,
  confidence: written.confidence,
  runs: z.array(written.runs.element.pick({ dir: true, seed: true, fold: true }).extend({ metrics: z.record(z.string(), z.number().nullable()) })),
  metrics: z.record(z.string(), metricStatsPart),
  part: written.part.optional(),
  part_note: written.part_note.optional(),
  bootstrap: written.bootstrap.partial({ intervals: true }).optional(),
  compare: written.compare
    .unwrap()
    .pick({ a: true, b: true, paired_on: true })
    .extend({ metrics: z.record(z.string(), compareMetricPart) })
    .nullable()
    .optional(),
});
export type Aggregate = z.infer<typeof aggregatePart>;

/** Reads and validates `aggregate.json`; an artifact of another task is an error naming the file. */
export function readAggregate(path: string): Aggregate {
  return readArtifact(path, "aggregate", aggregatePart, "aggregate");
}
