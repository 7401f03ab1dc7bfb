import type { PartName, Partition, SplitItem } from "./types.ts";

/** Counts and class balance of one part. */
export interface PartStats {
  name: PartName;
  /** Samples (images). */
  size: number;
  /** Distinct groups (patients, else accessions). */
  groups: number;
  /** Samples per label, every label of the whole set present (0 when absent), keyed "1".."5". */
  class_histogram: Record<string, number>;
  /** class_histogram / size. */
  class_proportions: Record<string, number>;
  /** Largest |part proportion − whole-set proportion| over the classes, in [0, 1]. */
  max_deviation: number;
}

/** Counts and class balance of a whole partition. */
export interface SplitStats {
  n_samples: number;
  n_groups: number;
  class_histogram: Record<string, number>;
  class_proportions: Record<string, number>;
  parts: PartStats[];
  /** Largest max_deviation of any part: the split's class-balance figure (0 = perfect). */
  max_class_deviation: number;
}

/** Sizes, class histograms and proportion deviations of every part and of the whole set. */
export function splitStats(partition: Pick<Partition, "parts">): SplitStats {
  const all: SplitItem[] = partition.parts.flatMap((p) => p.items);
  const labels = [...new Set(all.map((i) => i.label))].sort((a, b) => a - b);
  const overall = histogram(all, labels);
  const overallShare = proportions(overall, all.length);
  const parts = partition.parts.map(({ name, items }): PartStats => {
    const class_histogram = histogram(items, labels);
    const class_proportions = proportions(class_histogram, items.length);
    const max_deviation = Math.max(0, ...labels.map((l) => Math.abs((class_proportions[l] ?? 0) - (overallShare[l] ?? 0))));
    return { name, size: items.length, groups: new Set(items.map((i) => i.group)).size, class_histogram, class_proportions, max_deviation };
  });
  return {
    n_samples: all.length,
    n_groups: new Set(all.map((i) => i.group)).size,
    class_histogram: overall,
    class_proportions: overallShare,
    parts,
    max_class_deviation: Math.max(0, ...parts.map((p) => p.max_deviation)),
  };
}

function histogram(items: readonly SplitItem[], labels: readonly number[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(labels.map((l) => [String(l), 0]));
  for (const item of items) out[item.label] = (out[item.label] ?? 0) + 1;
  return out;
}

function proportions(hist: Record<string, number>, size: number): Record<string, number> {
  return Object.fromEntries(Object.entries(hist).map(([k, n]) => [k, size > 0 ? n / size : 0]));
}
