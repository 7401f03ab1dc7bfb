import { sha256 } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import { deriveSeed } from "../rng/index.ts";
import type { SplitItem } from "./types.ts";

/** Plain code-unit order: unlike localeCompare it is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The distinct groups of `items`, ordered by SHA-256 of (seed of stream `purpose`, group id).
 * Each group's rank depends only on its own id, never on its input position, so removing or
 * adding a row elsewhere cannot reshuffle the others.
 */
export function seededGroupOrder(items: readonly SplitItem[], seed: number, purpose: string): string[] {
  const salt = deriveSeed(seed, purpose);
  const rank = new Map<string, string>();
  for (const item of items) if (!rank.has(item.group)) rank.set(item.group, sha256(`${salt}\0${item.group}`));
  return [...rank.keys()].sort((a, b) => compareStrings(rank.get(a) ?? "", rank.get(b) ?? "") || compareStrings(a, b));
}

/**
 * The items of `n` groups drawn with `seed` (stream "subset"), in input order: the first `n`
 * groups of the seeded order. All items when there are `n` groups or fewer.
 */
export function subsetGroups<T extends SplitItem>(items: readonly T[], n: number, seed: number): T[] {
  if (!Number.isInteger(n) || n < 1) throw usageError("bad_value", `invalid --subset: ${n} (expected a positive number of groups)`);
  const keep = new Set(seededGroupOrder(items, seed, "subset").slice(0, n));
  return items.filter((item) => keep.has(item.group));
}
