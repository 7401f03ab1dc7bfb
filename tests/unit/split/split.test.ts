import { describe, expect, test } from "bun:test";
import { TaskError } from "../../../lib/errors/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { checkNoLeakage, groupKFold, holdoutSplit, splitStats, type Partition, type SplitItem } from "../../../lib/split/index.ts";
import { generateCohort } from "./cohorts.ts";

/** Generated cohorts: 20–800 groups, the reference archive's class imbalance, groups of 1–8 images. */
const plan = stream(2024, "test/split-plan");
const COHORTS = Array.from({ length: 24 }, (_, i) => {
  const groups = i === 0 ? 20 : i === 1 ? 800 : 20 + plan.int(781);
  const folds = [2, 3, 5, 10][i % 4] as number;
  const items = generateCohort(1000 + i, groups);
  let kfold: Partition | undefined;
  let holdout: Partition | undefined;
  return {
    seed: 1000 + i,
    groups,
    folds,
    items,
    /** groupKFold(items, {folds, seed: 42}), computed once. */
    kfold: () => (kfold ??= groupKFold(items, { folds, seed: 42 })),
    /** holdoutSplit(items, {valFrac: 0.2, seed: 42}), computed once. */
    holdout: () => (holdout ??= holdoutSplit(items, { valFrac: 0.2, seed: 42 })),
  };
});

const assignment = (p: Partition) => new Map(p.parts.flatMap((part) => part.items.map((i) => [i.key, part.name] as const)));
const groupsOf = (items: readonly SplitItem[]) => new Set(items.map((i) => i.group));
/** Groups holding class `label`. */
const groupsWith = (items: readonly SplitItem[], label: number) => groupsOf(items.filter((i) => i.label === label)).size;
const largestGroup = (items: readonly SplitItem[]) => {
  const sizes = new Map<string, number>();
  for (const i of items) sizes.set(i.group, (sizes.get(i.group) ?? 0) + 1);
  return Math.max(...sizes.values());
};

describe("groupKFold on generated cohorts", () => {
  test("groupKFold(items, {folds: k}) validates every sample exactly once and keeps every group in one fold", () => {
    for (const { items, folds, kfold } of COHORTS) {
      const p = kfold();
      expect(p.parts.map((x) => x.name)).toEqual(Array.from({ length: folds }, (_, i) => i));
      const keys = p.parts.flatMap((x) => x.items.map((i) => i.key));
      expect(keys.length).toBe(items.length);
      expect(new Set(keys)).toEqual(new Set(items.map((i) => i.key)));
      const owner = new Map<string, number | string>();
      for (const part of p.parts) {
        for (const item of part.items) {
          expect(owner.get(item.group) ?? part.name).toBe(part.name);
          owner.set(item.group, part.name);
        }
        // The fold's training side is every other fold.
        checkNoLeakage(p.parts.filter((x) => x !== part).flatMap((x) => x.items), part.items);
      }
    }
  });

  test("groupKFold(items, {folds: k}) keeps fold sizes within 5 % or one group of n/k", () => {
    for (const { items, folds, kfold } of COHORTS) {
      const target = items.length / folds;
      const slack = Math.max(Math.ceil(0.05 * target), largestGroup(items));
      for (const part of kfold().parts) expect(Math.abs(part.items.length - target)).toBeLessThanOrEqual(slack);
    }
  });

  test("groupKFold puts every class in every validation fold when it has k groups or more, and warns when it has fewer", () => {
    let warned = 0;
    for (const { items, folds, kfold } of COHORTS) {
      const p = kfold();
      for (const label of [1, 2, 3, 4]) {
        if (groupsWith(items, label) === 0) continue;
        const enough = groupsWith(items, label) >= folds;
        const missing = p.parts.filter((part) => !part.items.some((i) => i.label === label));
        if (enough) expect(missing).toEqual([]);
        const warning = p.warnings.find((w) => w.message.startsWith(`class ${label} `));
        if (missing.length) {
          warned++;
          expect(warning?.code).toBe("class_too_rare");
          expect(warning?.message).toContain(`has ${groupsWith(items, label)} group(s) for ${folds} parts`);
        } else {
          expect(warning).toBeUndefined();
        }
      }
    }
    // The 20-group cohort cannot spread class A (3 %) over its folds.
    expect(warned).toBeGreaterThan(0);
  });

  test("groupKFold keeps every fold's class proportions within 2 points of the whole set's when folds hold 40+ groups", () => {
    let checked = 0;
    for (const { groups, folds, kfold } of COHORTS) {
      if (groups / folds < 40) continue;
      checked++;
      expect(splitStats(kfold()).max_class_deviation).toBeLessThan(0.02);
    }
    expect(checked).toBeGreaterThan(5);
  });

  test("groupKFold gives the same folds for the same seed, whatever the input order, and other folds for another seed", () => {
    for (const { items, folds, seed, kfold } of COHORTS.slice(0, 6)) {
      const a = assignment(kfold());
      expect(assignment(groupKFold(items, { folds, seed: 42 }))).toEqual(a);
      expect(assignment(groupKFold(stream(seed, "test/shuffle").shuffle(items), { folds, seed: 42 }))).toEqual(a);
      expect(assignment(groupKFold(items, { folds, seed: 43 }))).not.toEqual(a);
    }
  });

  test("groupKFold(items, {folds: 1}) and too few groups are usage errors", () => {
    const items = generateCohort(1, 3);
    expect(() => groupKFold(items, { folds: 1, seed: 42 })).toThrow("invalid --folds: 1");
    expect(() => groupKFold(items, { folds: 4, seed: 42 })).toThrow("3 group(s) (patients/accessions) cannot fill 4 folds");
    const dup = [...items, { ...(items[0] as SplitItem) }];
    expect(() => groupKFold(dup, { folds: 2, seed: 42 })).toThrow(TaskError);
  });
});

describe("holdoutSplit on generated cohorts", () => {
  test("holdoutSplit(items, {valFrac: 0.2}) keeps groups on one side and puts about 20 % of the samples in val", () => {
    for (const { items, holdout } of COHORTS) {
      const p = holdout();
      const [train, val] = p.parts;
      expect([train?.name, val?.name]).toEqual(["train", "val"]);
      expect((train?.items.length ?? 0) + (val?.items.length ?? 0)).toBe(items.length);
      checkNoLeakage(train?.items ?? [], val?.items ?? []);
      const slack = Math.max(Math.ceil(0.05 * 0.2 * items.length), largestGroup(items));
      expect(Math.abs((val?.items.length ?? 0) - 0.2 * items.length)).toBeLessThanOrEqual(slack);
    }
  });

  test("holdoutSplit puts every class with 2+ groups on both sides and keeps proportions within 2 points for 200+ groups", () => {
    for (const { items, groups, holdout } of COHORTS) {
      const p = holdout();
      for (const label of [1, 2, 3, 4]) {
        if (groupsWith(items, label) < 2) continue;
        for (const part of p.parts) expect(part.items.some((i) => i.label === label)).toBe(true);
      }
      if (groups >= 200) expect(splitStats(p).max_class_deviation).toBeLessThan(0.02);
    }
  });

  test("holdoutSplit warns, naming the class, when a class has a single group", () => {
    const items: SplitItem[] = [
      ...generateCohort(5, 30).filter((i) => i.label !== 1),
      { key: "999|a.dcm", group: "accession:999", label: 1 },
      { key: "999|b.dcm", group: "accession:999", label: 1 },
    ];
    const p = holdoutSplit(items, { valFrac: 0.2, seed: 42 });
    const side = p.parts.find((part) => !part.items.some((i) => i.label === 1))?.name;
    expect(p.warnings).toEqual([{ code: "class_too_rare", message: `class 1 (A) has 1 group(s) for 2 parts: no sample of it in ${side}` }]);
  });

  test("holdoutSplit is stable: same seed same split whatever the order, another seed another split", () => {
    const { items, seed, holdout } = COHORTS[2] as (typeof COHORTS)[number];
    const a = assignment(holdout());
    expect(assignment(holdoutSplit(stream(seed, "test/shuffle").shuffle(items), { valFrac: 0.2, seed: 42 }))).toEqual(a);
    expect(assignment(holdoutSplit(items, { valFrac: 0.2, seed: 44 }))).not.toEqual(a);
  });

  test("holdoutSplit(items, {valFrac: 1.5}) names the flag and the value", () => {
    expect(() => holdoutSplit(generateCohort(1, 10), { valFrac: 1.5, seed: 42 })).toThrow("invalid --val-frac: 1.5 (expected 0 < x < 1)");
  });
});

describe("splitStats", () => {
  test("splitStats counts sizes, groups and class histograms, and the largest proportion deviation", () => {
    const item = (key: string, group: string, label: number): SplitItem => ({ key, group, label });
    const stats = splitStats({
      parts: [
        { name: "train", items: [item("a", "g1", 1), item("b", "g1", 2), item("c", "g2", 2)] },
        { name: "val", items: [item("d", "g3", 2)] },
      ],
    });
    // Whole set: 1/4 class 1, 3/4 class 2. Val has no class 1: deviation 0.25; train 1/3 vs 1/4.
    expect(stats.class_histogram).toEqual({ "1": 1, "2": 3 });
    expect(stats.parts.map((p) => [p.name, p.size, p.groups, p.class_histogram])).toEqual([
      ["train", 3, 2, { "1": 1, "2": 2 }],
      ["val", 1, 1, { "1": 0, "2": 1 }],
    ]);
    expect(stats.parts[0]?.max_deviation).toBeCloseTo(1 / 3 - 1 / 4, 12);
    expect(stats.max_class_deviation).toBe(0.25);
    expect([stats.n_samples, stats.n_groups]).toEqual([4, 3]);
  });
});
