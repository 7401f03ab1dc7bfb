import { z } from "zod";
import { defineArtifact, enveloped, hashJson, readArtifact, type Envelope } from "../artifacts/index.ts";
import { TaskError, usageError } from "../errors/index.ts";
import { compareStrings } from "./order.ts";

const partName = z.union([z.literal("train"), z.literal("val"), z.literal("test"), z.number().int().nonnegative()]);

/** `test` of split.json: how the held-out test part was chosen (see `TestPartInfo`). */
const testPartSchema = z.object({
  source: z.enum(["frac", "dataset", "csv"]),
  frac: z.number().nullable(),
  seed: z.number().int().nullable(),
  stream: z.string().nullable(),
  stream_seed: z.number().int().nullable(),
  file: z.string().nullable(),
  rule: z.string(),
  size: z.number().int(),
  groups: z.number().int(),
  excluded: z.number().int(),
  test_hash: z.string(),
});
const histogram = z.record(z.string(), z.number());

/** One sample of split.json. */
export const splitSampleSchema = z.object({
  accession: z.string(),
  patient_id: z.string().nullable(),
  image_path: z.string(),
  label: z.number().int().min(1).max(5),
  /** `patient:<PatientID>` or `accession:<AccessionNumber>`. */
  group: z.string(),
  /**
   * "train" / "val" (hold-out) or the 0-based index of the fold it validates in (k-fold); "test"
   * for the held-out test part (either kind), which no training run trains or validates on.
   */
  fold: partName,
});
export type SplitSample = z.infer<typeof splitSampleSchema>;

/** The data of split.json, next to the artifact envelope. */
export const splitSchema = z.object({
  kind: z.enum(["holdout", "kfold"]),
  /** k for k-fold, null for hold-out. */
  folds: z.number().int().min(2).nullable(),
  /** Validation share asked for (hold-out), null for k-fold. */
  val_frac: z.number().gt(0).lt(1).nullable(),
  seed: z.number().int(),
  /** Rng stream the seeded order came from ("split" or "fold") and its derived seed. */
  stream: z.string(),
  stream_seed: z.number().int(),
  /** `--subset`: groups kept (drawn with stream "subset") out of how many; null when not used. */
  subset: z.object({ groups: z.number().int(), of_groups: z.number().int(), stream: z.string(), stream_seed: z.number().int() }).nullable(),
  /** The held-out test part, chosen before the per-seed split and the same for every seed; null when there is none. */
  test: testPartSchema.nullable().default(null),
  /** Dataset fingerprint (SHA-256 over sorted path, file hash, label). */
  data_fingerprint: z.string(),
  /** SHA-256 of the canonical assignment (see splitHash); training records it. */
  split_hash: z.string(),
  n_samples: z.number().int(),
  n_groups: z.number().int(),
  class_histogram: histogram,
  class_proportions: histogram,
  /** Per part: train/val, or one per validation fold; then "test" when there is a test part. */
  parts: z.array(
    z.object({
      name: partName,
      size: z.number().int(),
      groups: z.number().int(),
      class_histogram: histogram,
      class_proportions: histogram,
      max_deviation: z.number(),
    }),
  ),
  /** Largest |part class proportion − whole-set proportion|. */
  max_class_deviation: z.number(),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  /** Sorted by accession, then image path. */
  samples: z.array(splitSampleSchema),
});
export type SplitArtifact = z.infer<typeof splitSchema>;

export const splitJson = defineArtifact({
  name: "split",
  path: "<outdir>/split.json",
  format: "json",
  schema: enveloped(splitSchema),
  enveloped: true,
  writer: "tasks/split.ts",
  readers: ["lib/split/artifact.ts (readSplit: train, cv)", "tasks/cv.ts"],
  description: "A grouped, stratified, seeded hold-out or k-fold split after an optional held-out test part: every sample with its group and part, the per-part class balance, and split_hash over the assignment (recomputed on read).",
  version: 1,
});

/** SHA-256 of the canonical assignment: [accession, image_path, fold] per sample, sorted. */
export function splitHash(samples: readonly SplitSample[]): string {
  return hashJson(
    samples
      .map((s) => [s.accession, s.image_path, s.fold] as const)
      .sort((a, b) => compareStrings(a[0], b[0]) || compareStrings(a[1], b[1])),
  );
}

/**
 * Reads and validates `split.json` (written by the `split` task): schema, fold values consistent
 * with the kind, and `split_hash` recomputed from the samples (an edited file is refused).
 */
export function readSplit(path: string): SplitArtifact & Envelope {
  const split = readArtifact(path, "split", splitSchema);
  const bad = (detail: string) => new TaskError("bad_artifact", `invalid split ${path}: ${detail}`, { exitCode: 2 });
  for (const s of split.samples) {
    const ok = s.fold === "test" ? split.test !== null : split.kind === "holdout" ? s.fold === "train" || s.fold === "val" : typeof s.fold === "number" && s.fold < (split.folds ?? 0);
    if (!ok) throw bad(`sample ${s.accession} ${s.image_path} has fold ${JSON.stringify(s.fold)}, not valid for ${split.kind}${split.folds ? ` with ${split.folds} folds` : ""}${s.fold === "test" ? " without a test part" : ""}`);
  }
  const hash = splitHash(split.samples);
  if (hash !== split.split_hash) throw bad(`split_hash ${split.split_hash} does not match its samples (${hash})`);
  return split;
}

/**
 * The train and validation samples of a split: hold-out takes no fold; k-fold takes the 0-based
 * fold whose part is validated (the other folds train). The test part is on neither side.
 */
export function splitSides(split: SplitArtifact, fold: number | null = null): { train: SplitSample[]; val: SplitSample[] } {
  if (split.kind === "holdout") {
    if (fold !== null) throw usageError("bad_value", `invalid fold: ${fold} (the split is a hold-out split, it has no folds)`);
    return { train: split.samples.filter((s) => s.fold === "train"), val: split.samples.filter((s) => s.fold === "val") };
  }
  const k = split.folds ?? 0;
  if (fold === null || !Number.isInteger(fold) || fold < 0 || fold >= k) {
    throw usageError("bad_value", `invalid fold: ${fold} (expected 0..${k - 1} for a ${k}-fold split)`);
  }
  return { train: split.samples.filter((s) => typeof s.fold === "number" && s.fold !== fold), val: split.samples.filter((s) => s.fold === fold) };
}

/** The held-out test samples of a split (empty when it has no test part). */
export function splitTest(split: SplitArtifact): SplitSample[] {
  return split.samples.filter((s) => s.fold === "test");
}
