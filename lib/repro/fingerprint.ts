import { z } from "zod";

/** Tolerance for one value: |now − ref| ≤ max(absolute, relative × |ref|). */
export const toleranceSchema = z.object({ absolute: z.number().nonnegative(), relative: z.number().nonnegative() });
export type Tolerance = z.infer<typeof toleranceSchema>;

/** One epoch's numbers as fingerprinted (train_history.csv columns). */
export const epochSchema = z.record(z.string(), z.number().nullable());

/** What one seed's run is reduced to for comparison. */
export const seedFingerprintSchema = z.object({
  weights_sha256: z.string(),
  /** Per-epoch values from train_history.csv, in epoch order (seconds excluded: they measure the machine). */
  history: z.array(epochSchema),
  /** Best-epoch metrics from metrics/val_metrics.json (scalars only). */
  metrics: z.record(z.string(), z.number().nullable()),
  best_epoch: z.number().int(),
});
export type SeedFingerprint = z.infer<typeof seedFingerprintSchema>;

/** `references/<key>/<experiment>.json`, one per backend and instruction set (`wasm`, `native-avx512`, …). */
export const referenceSchema = z.object({
  experiment: z.string(),
  experiment_sha256: z.string(),
  /** The experiment file's content when the reference was made, to name the fields changed since. */
  experiment_json: z.unknown().optional(),
  backend: z.string(),
  /** The backend's reference key (`native-avx512`); absent in references made before keys existed (= backend). */
  reference_key: z.string().optional(),
  updated_at: z.string(),
  /** Why the reference was (re)made: `--reason`. */
  reason: z.string(),
  environment: z.record(z.string(), z.unknown()),
  tolerance: z.object({ default: toleranceSchema, metrics: z.record(z.string(), toleranceSchema).default({}) }),
  seeds: z.record(z.string(), seedFingerprintSchema),
});
export type Reference = z.infer<typeof referenceSchema>;

export const DEFAULT_TOLERANCE: Reference["tolerance"] = { default: { absolute: 1e-6, relative: 1e-5 }, metrics: {} };
