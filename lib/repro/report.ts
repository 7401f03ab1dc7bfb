import { z } from "zod";
import { defineArtifact, enveloped } from "../artifacts/index.ts";
import { referenceSchema } from "./fingerprint.ts";

const value = z.number().nullable();

/** One seed's verdict against its reference (see `SeedVerdict`). */
const seedVerdictSchema = z.object({
  seed: z.string(),
  verdict: z.enum(["identical", "within tolerance", "drift", "missing"]),
  first_divergent_epoch: z.number().int().nullable(),
  first_divergent_metric: z.object({ name: z.string(), reference: value, current: value }).nullable(),
  differences: z.array(z.object({ name: z.string(), reference: value, current: value, within_tolerance: z.boolean() })),
  weights_identical: z.boolean(),
});

export const reproReportJson = defineArtifact({
  name: "repro_report",
  path: "<outdir>/repro_report.json (and history/<date>/repro_report.json)",
  format: "json",
  schema: enveloped(
    z.object({
      experiment: z.string(),
      passed: z.boolean(),
      checks: z.array(
        z.object({
          /** Reference key (`wasm`, `native-avx512`). */
          backend_key: z.string(),
          reference: z.string(),
          passed: z.boolean(),
          /** Fields of the experiment file changed since the reference was made. */
          experiment_changes: z.string().nullable(),
          verdicts: z.array(seedVerdictSchema),
          environment_differences: z.array(z.object({ key: z.string(), reference: z.unknown(), current: z.unknown() })),
        }),
      ),
    }),
  ),
  enveloped: true,
  writer: "tasks/repro.ts",
  readers: [],
  description: "The nightly reproducibility check: per backend, each seed's verdict against the stored reference (identical, within tolerance, drift, missing) with the first divergent epoch and metric, and how the environment and the experiment file changed since.",
  version: 1,
});

export const reproReferenceJson = defineArtifact({
  name: "repro_reference",
  path: "references/<backend key>/<experiment>.json",
  format: "json",
  schema: referenceSchema,
  enveloped: false,
  writer: "tasks/repro.ts (--update-reference)",
  readers: ["tasks/repro.ts"],
  description: "A stored reference (committed, so no envelope: `environment` and `updated_at` hold its provenance): the experiment file and its SHA-256, why it was made, the tolerances, and per seed the weights SHA-256, the history and the best-epoch metrics.",
  version: 1,
});
