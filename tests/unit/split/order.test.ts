import { describe, expect, test } from "bun:test";
import { seededGroupOrder, subsetGroups, type SplitItem } from "../../../lib/split/index.ts";
import { generateCohort } from "./cohorts.ts";

const items = generateCohort(77, 120);
const groupsIn = (xs: readonly SplitItem[]) => [...new Set(xs.map((i) => i.group))];

describe("seededGroupOrder", () => {
  test("seededGroupOrder ranks groups by (seed, id) only: a new group leaves the others' order unchanged", () => {
    const before = seededGroupOrder(items, 42, "fold");
    const extra: SplitItem[] = [{ key: "900001|a.dcm", group: "accession:900001", label: 5 }, ...items];
    const after = seededGroupOrder(extra, 42, "fold");
    expect(after.length).toBe(before.length + 1);
    expect(after.filter((g) => g !== "accession:900001")).toEqual(before);
    expect(seededGroupOrder([...items].reverse(), 42, "fold")).toEqual(before);
  });

  test("seededGroupOrder differs between seeds and between streams", () => {
    const base = seededGroupOrder(items, 42, "fold");
    expect(seededGroupOrder(items, 43, "fold")).not.toEqual(base);
    expect(seededGroupOrder(items, 42, "split")).not.toEqual(base);
  });
});

describe("subsetGroups", () => {
  test("subsetGroups(items, 30, seed) keeps all the images of exactly 30 groups, in input order", () => {
    const kept = subsetGroups(items, 30, 42);
    const groups = groupsIn(kept);
    expect(groups.length).toBe(30);
    const chosen = new Set(groups);
    expect(kept).toEqual(items.filter((i) => chosen.has(i.group)));
  });

  test("subsetGroups is the same for the same seed whatever the input order, and another for another seed", () => {
    const a = new Set(groupsIn(subsetGroups(items, 30, 42)));
    expect(new Set(groupsIn(subsetGroups([...items].reverse(), 30, 42)))).toEqual(a);
    expect(new Set(groupsIn(subsetGroups(items, 30, 43)))).not.toEqual(a);
  });

  test("subsetGroups keeps everything when asked for more groups than there are, and refuses 0", () => {
    expect(subsetGroups(items, 10_000, 42)).toEqual(items);
    expect(() => subsetGroups(items, 0, 42)).toThrow("invalid --subset: 0");
  });
});
