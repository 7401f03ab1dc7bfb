import { z } from "zod";
import { readJson } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import { DESIGNS } from "./design.ts";

const num = z.number().nullable();

const componentSchema = z.looseObject({
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

const decompositionSchema = z.looseObject({
  components: z.array(componentSchema),
  total: z.looseObject({ variance: num, sd: num, of: z.string() }),
  evaluation: z.looseObject({ variance: num, sd: num, runs: z.number().int(), resamples: z.number().int() }).nullable(),
  notes: z.array(z.string()),
});

/** `variance.json` as the variance task writes it (see `VarianceBody`). */
const varianceSchema = z.looseObject({
  task: z.literal("variance"),
  design: z.enum(DESIGNS),
  sources: z.array(z.string()),
  n: z.number().int(),
  m: z.number().int().nullable(),
  base_seed: z.number().int(),
  confidence: z.number().gt(0).lt(1),
  backend: z.string(),
  deterministic_backend: z.boolean(),
  runs: z.array(z.looseObject({ dir: z.string(), seed: z.number().int(), seeds: z.record(z.string(), z.number()), metrics: z.record(z.string(), num) })),
  metrics: z.record(z.string(), decompositionSchema),
  control: z.looseObject({ bit_identical: z.boolean(), distinct_weights: z.number().int(), deterministic_backend: z.boolean(), verdict: z.string() }).nullable(),
});
export type VarianceArtifact = z.infer<typeof varianceSchema>;
export type ComponentRow = z.infer<typeof componentSchema>;

/** Reads and validates `variance.json`; an artifact of another task is an error naming the file. */
export function readVariance(path: string): VarianceArtifact {
  const raw = readJson(path, z.looseObject({ task: z.string() }), "variance study");
  if (raw.task !== "variance") throw usageError("foreign_artifact", `${path} was written by task "${raw.task}", expected "variance"`);
  return readJson(path, varianceSchema, "variance study");
}
