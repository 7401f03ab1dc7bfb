import { TaskError, usageError } from "../errors/index.ts";
import { balanceGroups } from "./balance.ts";
import { compareStrings, seededGroupOrder } from "./order.ts";
import type { PartName, Partition, SplitItem, SplitWarning } from "./types.ts";

export interface HoldoutOptions {
  /** Share of the samples that go to validation, 0 < x < 1 (the task's default: 0.2). */
  valFrac: number;
  /** Root seed; the order is drawn from its stream "split". */
  seed: number;
}

export interface KFoldOptions {
  /** Number of folds k ≥ 2. */
  folds: number;
  /** Root seed; the order is drawn from its stream "fold". */
  seed: number;
}

/**
 * Stratified group hold-out: parts `train` and `val`, no group on both sides, `val` holding about
 * `valFrac` of the samples with each class's share kept as well as grouping allows.
 */
export function holdoutSplit<T extends SplitItem>(items: readonly T[], options: HoldoutOptions): Partition<T> {
  const { valFrac, seed } = options;
  if (!(valFrac > 0 && valFrac < 1)) throw usageError("bad_value", `invalid --val-frac: ${valFrac} (expected 0 < x < 1)`);
  return partition(items, seed, "split", "holdout", ["train", "val"], [1 - valFrac, valFrac]);
}

/**
 * Stratified group k-fold: k validation folds of about equal size, every sample in exactly one,
 * no group in two, class proportions balanced across folds as well as grouping allows.
 */
export function groupKFold<T extends SplitItem>(items: readonly T[], options: KFoldOptions): Partition<T> {
  const { folds, seed } = options;
  if (!Number.isInteger(folds) || folds < 2) throw usageError("bad_value", `invalid --folds: ${folds} (expected an integer ≥ 2)`);
  const names = Array.from({ length: folds }, (_, i) => i);
  return partition(items, seed, "fold", "kfold", names, names.map(() => 1 / folds));
}

/**
 * The held-out test part: a stratified group hold-out of `testFrac` of the samples, ordered by
 * the stream "test" of `testSeed` (never the run's seed, so every seed's split keeps the same
 * test part). Parts `train` (everything else, split further per seed) and `test`.
 */
export function testCarve<T extends SplitItem>(items: readonly T[], options: { testFrac: number; testSeed: number }): Partition<T> {
  const { testFrac, testSeed } = options;
  if (!(testFrac > 0 && testFrac < 1)) throw usageError("bad_value", `invalid --test-frac: ${testFrac} (expected 0 < x < 1)`);
  return partition(items, testSeed, "test", "holdout", ["train", "test"], [1 - testFrac, testFrac]);
}

function partition<T extends SplitItem>(
  items: readonly T[],
  seed: number,
  stream: string,
  kind: Partition["kind"],
  names: PartName[],
  targets: number[],
): Partition<T> {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.key)) throw new TaskError("duplicate_sample", `sample listed twice: ${item.key}`, { exitCode: 2 });
    seen.add(item.key);
  }
  const groups = seededGroupOrder(items, seed, stream);
  if (groups.length < names.length) {
    throw usageError("too_few_groups", `${groups.length} group(s) (patients/accessions) cannot fill ${names.length} ${kind === "kfold" ? "folds" : "parts"}`);
  }
  const labels = [...new Set(items.map((i) => i.label))].sort((a, b) => a - b);
  const groupIndex = new Map(groups.map((g, i) => [g, i]));
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const counts = groups.map(() => new Array<number>(labels.length).fill(0));
  for (const item of items) {
    const row = counts[groupIndex.get(item.group) ?? 0] as number[];
    const c = labelIndex.get(item.label) ?? 0;
    row[c] = (row[c] ?? 0) + 1;
  }
  const assign = balanceGroups(counts, targets);
  const parts = names.map((name) => ({ name, items: [] as T[] }));
  // Key order, so the result does not depend on the order rows came in.
  const sorted = [...items].sort((a, b) => compareStrings(a.key, b.key));
  for (const item of sorted) parts[assign[groupIndex.get(item.group) ?? 0] ?? 0]?.items.push(item);
  return { kind, parts, stream, warnings: coverageWarnings(kind, parts, labels, counts) };
}

/** BI-RADS letter of a density label, for messages. */
export function labelName(label: number): string {
  return ["A", "B", "C", "D", "non-standard"][label - 1] ?? String(label);
}

/** One warning per class that is absent from some part, saying whether the data or the search is to blame. */
function coverageWarnings(kind: Partition["kind"], parts: Partition["parts"], labels: readonly number[], counts: readonly number[][]): SplitWarning[] {
  const warnings: SplitWarning[] = [];
  labels.forEach((label, c) => {
    const absent = parts.filter((p) => !p.items.some((i) => i.label === label)).map((p) => p.name);
    if (absent.length === 0) return;
    const groups = counts.filter((row) => (row[c] ?? 0) > 0).length;
    const where = kind === "kfold" ? `validation fold(s) ${absent.join(", ")} (0-based)` : absent.join(", ");
    const name = `class ${label} (${labelName(label)})`;
    warnings.push(
      groups < parts.length
        ? { code: "class_too_rare", message: `${name} has ${groups} group(s) for ${parts.length} parts: no sample of it in ${where}` }
        : { code: "class_missing", message: `${name} has ${groups} groups but none landed in ${where}` },
    );
  });
  return warnings;
}
