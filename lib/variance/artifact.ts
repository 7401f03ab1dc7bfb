import { z } from "zod";
import { defineArtifact, enveloped, readArtifact } from "../artifacts/index.ts";
import { SEED_SOURCES } from "../rng/index.ts";
import { DESIGNS } from "./design.ts";

const num = z.number().nullable();

const componentSchema = z.object({
  source: z.string(),
  n: z.number().int(),
  df: num,
  variance: num,
  sd: num,
  ci_low: num,
  ci_high: num,
  sd_ci_low: num,
  sd_ci_high: num,
  ci_method: z.string().nullable(),
  negative_estimate: z.boolean(),
  share: num,
  vs_evaluation: num,
  runs: z.array(z.string()),
});

const decompositionSchema = z.object({
  components: z.array(componentSchema),
  total: z.object({ variance: num, sd: num, of: z.string() }),
  evaluation: z.object({ variance: num, sd: num, runs: z.number().int(), resamples: z.number().int() }).nullable(),
  notes: z.array(z.string()),
});

/** `variance.json` as the variance task writes it (see `VarianceBody`), envelope included. */
export const varianceSchema = enveloped(
  z.object({
    design: z.enum(DESIGNS),
    sources: z.array(z.string()),
    n: z.number().int(),
    m: z.number().int().nullable(),
    base_seed: z.number().int(),
    confidence: z.number().gt(0).lt(1),
    backend: z.string(),
    deterministic_backend: z.boolean(),
    runs: z.array(
      z.object({
        dir: z.string(),
        seed: z.number().int(),
        seeds: z.object(Object.fromEntries(SEED_SOURCES.map((s) => [s, z.number().int()])) as Record<(typeof SEED_SOURCES)[number], z.ZodNumber>),
        weights_sha256: z.string().nullable(),
        metrics: z.record(z.string(), num),
      }),
    ),
    metrics: z.record(z.string(), decompositionSchema),
    control: z.object({ bit_identical: z.boolean(), distinct_weights: z.number().int(), deterministic_backend: z.boolean(), verdict: z.string() }).nullable(),
    evaluation: z.object({ resamples: z.number().int(), unit: z.literal("patient"), seed: z.number().int(), stream: z.string() }),
  }),
);
export type VarianceArtifact = z.infer<typeof varianceSchema>;
export type ComponentRow = z.infer<typeof componentSchema>;

export const varianceJson = defineArtifact({
  name: "variance",
  path: "<outdir>/variance.json",
  format: "json",
  schema: varianceSchema,
  enveloped: true,
  writer: "tasks/variance.ts",
  readers: ["lib/variance/plan.ts (plan-seeds --variance)", "reports/inputs/variance.ts"],
  description: "A variance study: its design, the runs with their per-source seeds and metrics, and per metric each source's variance with its interval and share, the total, and the evaluation (bootstrap) noise; the `none` design's bit-identity check.",
  version: 1,
});

/** Reads and validates `variance.json`; an artifact of another task is an error naming the file. */
export function readVariance(path: string): VarianceArtifact {
  return readArtifact(path, "variance", varianceSchema, "variance study");
}
