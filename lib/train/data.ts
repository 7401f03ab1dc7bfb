import { TaskError, usageError } from "../errors/index.ts";
import type { Dataset, Sample } from "../dataset/index.ts";
import { checkNoLeakage, checkTrainable, groupSamples, holdoutSplit, readSplit, splitHash, splitSides, splitTest, subsetGroups, type SplitSample } from "../split/index.ts";
import type { Logger } from "../log/index.ts";

/** The two sides a run trains and validates on, in a fixed order (sample key order). */
export interface TrainSplit {
  train: Sample[];
  val: Sample[];
  /**
   * The held-out test part of split.json (empty without one): loaded, but never handed to the
   * training loop; evaluated once, with the best epoch's weights, after training.
   */
  test: Sample[];
  /** SHA-256 of the assignment (split.json's `split_hash`, or computed the same way). */
  splitHash: string;
  /** "split.json" when read from --split, "holdout" when made here. */
  source: "split.json" | "holdout";
  /** 1-based fold validated (k-fold --split with --fold), else null. */
  fold: number | null;
  /** Groups kept by --subset, null when not used. */
  subset: { groups: number; ofGroups: number } | null;
  /** Root seed of the split source: split.json's `seed`, or the seed the hold-out was drawn with here. */
  seed: number;
}

const keyOf = (s: { accession: string; imagePath: string }) => `${s.accession}|${s.imagePath}`;

interface Item {
  key: string;
  group: string;
  label: number;
  sample: Sample;
}

function toSplitSample(item: Item, fold: "train" | "val"): SplitSample {
  const s = item.sample;
  return { accession: s.accession, patient_id: s.patientId, image_path: s.imagePath, label: s.label, group: item.group, fold };
}

/**
 * Chooses the train and validation samples: from `split.json` (hold-out, or fold K of a k-fold
 * split, 1-based) when given, else a stratified group hold-out made here with `valFrac` and the
 * seed (stream "split"), after `--subset` (stream "subset"). `options.seed` is the root seed of the
 * split source (`--seed-split`, else `--seed`). Then the leakage check: no group,
 * accession or PatientID on both sides, before any training.
 */
type SplitOptions = { split?: string; fold?: number; valFrac: number; seed: number; subset?: number };

export function chooseSplit(dataset: Dataset, options: SplitOptions, log: Pick<Logger, "info" | "warn">): TrainSplit {
  refuseClass5(dataset);
  const grouping = groupSamples(dataset.samples);
  const items: Item[] = dataset.samples.map((sample, i) => ({ key: keyOf(sample), group: grouping.groups[i] as string, label: sample.label, sample }));
  const result = options.split ? splitFromFile(dataset, items, { ...options, split: options.split }) : holdoutHere(items, options, log);
  checkTrainable(
    [{ name: options.split ? `${options.split}${result.fold ? ` fold ${result.fold}` : ""}` : `the split (--val-frac ${options.valFrac})`, train: result.train, val: result.val }],
    options.split ? "make the split again with more data or fewer folds" : "use more data, a larger --val-frac or --subset, and check the labels in --csv",
  );
  log.info(
    `split (${result.source}${result.fold ? `, fold ${result.fold}` : ""}): ${result.train.length} train / ${result.val.length} val${result.test.length ? ` / ${result.test.length} held-out test` : ""} samples, split_hash ${result.splitHash}`,
  );
  return result;
}

/** The model has four outputs (A–D): a class-5 sample cannot be trained on. */
function refuseClass5(dataset: Dataset): void {
  const class5 = dataset.samples.filter((s) => s.label === 5);
  if (class5.length) {
    throw usageError(
      "class5_untrainable",
      `--include-class-5: ${class5.length} class-5 sample(s) (e.g. accession ${class5[0]?.accession}) but the model has 4 outputs (A–D); drop the flag to train`,
    );
  }
}

/** The sides of `split.json` (fold K of a k-fold split), checked against this dataset and for leakage. */
function splitFromFile(dataset: Dataset, items: readonly Item[], options: SplitOptions & { split: string }): TrainSplit {
  if (options.subset !== undefined) throw usageError("bad_value", `--subset ${options.subset} cannot be combined with --split (make the subset with the split task)`);
  const split = readSplit(options.split);
  if (split.data_fingerprint !== dataset.fingerprint) {
    throw new TaskError(
      "split_mismatch",
      `${options.split} was made from other data (data_fingerprint ${split.data_fingerprint.slice(0, 12)}…, this --csv/--dicom-root gives ${dataset.fingerprint.slice(0, 12)}…)`,
      { exitCode: 2 },
    );
  }
  if (split.kind === "kfold" && options.fold === undefined) throw usageError("bad_value", `--split ${options.split} is a ${split.folds}-fold split: pass --fold 1..${split.folds}`);
  if (split.kind === "holdout" && options.fold !== undefined) throw usageError("bad_value", `invalid --fold: ${options.fold} (${options.split} is a hold-out split)`);
  if (split.kind === "kfold" && (options.fold as number) > (split.folds as number)) {
    throw usageError("bad_value", `invalid --fold: ${options.fold} (expected 1..${split.folds})`);
  }
  const sides = splitSides(split, split.kind === "kfold" ? (options.fold as number) - 1 : null);
  const byKey = new Map(items.map((it) => [it.key, it.sample]));
  const pick = (rows: SplitSample[]) =>
    rows.map((r) => {
      const sample = byKey.get(keyOf({ accession: r.accession, imagePath: r.image_path }));
      if (!sample) throw new TaskError("split_mismatch", `${options.split}: sample ${r.accession} ${r.image_path} is not in the dataset`, { exitCode: 2 });
      return sample;
    });
  checkNoLeakage(sides.train, sides.val);
  const test = splitTest(split);
  // The test part shares no patient with either side (the split task carved it by group).
  checkNoLeakage([...sides.train, ...sides.val], test, ["train/validation", "the test part"]);
  return {
    train: pick(sides.train),
    val: pick(sides.val),
    test: pick(test),
    splitHash: split.split_hash,
    source: "split.json",
    fold: split.kind === "kfold" ? (options.fold as number) : null,
    subset: null,
    seed: split.seed,
  };
}

/** A stratified group hold-out made here (after `--subset`), checked for leakage. */
function holdoutHere(items: readonly Item[], options: SplitOptions, log: Pick<Logger, "warn">): TrainSplit {
  if (options.fold !== undefined) throw usageError("bad_value", `--fold ${options.fold} needs a k-fold --split split.json`);
  const groupsBefore = new Set(items.map((i) => i.group)).size;
  const kept = options.subset === undefined ? items : subsetGroups(items, options.subset, options.seed);
  const partition = holdoutSplit(kept, { valFrac: options.valFrac, seed: options.seed });
  for (const w of partition.warnings) log.warn(`split: ${w.message}`);
  const train = partition.parts.find((p) => p.name === "train")?.items ?? [];
  const val = partition.parts.find((p) => p.name === "val")?.items ?? [];
  const rows = [...train.map((i) => toSplitSample(i, "train")), ...val.map((i) => toSplitSample(i, "val"))];
  checkNoLeakage(
    rows.filter((r) => r.fold === "train"),
    rows.filter((r) => r.fold === "val"),
  );
  return {
    train: train.map((i) => i.sample),
    val: val.map((i) => i.sample),
    test: [],
    splitHash: splitHash(rows),
    source: "holdout",
    fold: null,
    subset: options.subset === undefined ? null : { groups: new Set(kept.map((i) => i.group)).size, ofGroups: groupsBefore },
    seed: options.seed,
  };
}
