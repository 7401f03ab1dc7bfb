/**
 * One sample as the split sees it. The split functions are generic over richer objects that
 * carry these three fields, and hand the same objects back.
 */
export interface SplitItem {
  /** Unique per sample, e.g. `accession + "|" + image path`. */
  key: string;
  /** Samples with the same group always land on the same side (patient, else accession). */
  group: string;
  /** Class label (BI-RADS density 1–4, 5 for non-standard incidences). */
  label: number;
}

/**
 * Name of a part: "train" / "val" for hold-out, the 0-based fold index for k-fold, and "test"
 * for the held-out test part carved before either (fixed across seeds).
 */
export type PartName = "train" | "val" | "test" | number;

/** Something a reader should know about a split, e.g. a class too rare to reach every fold. */
export interface SplitWarning {
  /** `class_too_rare` (fewer groups of a class than parts), `class_missing`, `subset_too_large`, `multi_patient_group`. */
  code: string;
  message: string;
}

/**
 * A partition of items into parts. Hold-out: parts `train` and `val`. K-fold: one part per
 * fold, each the validation side of its fold (the training side is every other part).
 */
export interface Partition<T extends SplitItem = SplitItem> {
  kind: "holdout" | "kfold";
  parts: { name: PartName; items: T[] }[];
  /** The rng stream the seeded order was drawn from: "split" (hold-out) or "fold" (k-fold). */
  stream: string;
  /** Coverage warnings (classes absent from a part); empty when every class reaches every part. */
  warnings: SplitWarning[];
}
