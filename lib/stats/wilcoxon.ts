import wilcoxon from "@stdlib/stats-wilcoxon";
import { differences } from "./paired.ts";

/** Result of the Wilcoxon signed-rank test of a vs b. */
export interface SignedRank {
  /** Pairs with a non-zero difference (zeros are dropped, scipy's `zero_method="wilcox"`). */
  n: number;
  /** Two-sided p-value; NaN when fewer than 2 pairs or every difference is 0. */
  p: number;
  /** "exact": exact null distribution of W+; "normal": normal approximation. */
  method: "exact" | "normal";
}

/**
 * Two-sided Wilcoxon signed-rank test of the paired differences a − b.
 * Method, chosen as scipy's default (`method="auto"`, `correction=False`) does:
 * - exact distribution when at most 50 differences, none zero and no tied |d| (scipy 1.10 gives
 *   the identical p-value; the p-value is capped at 1 as scipy does);
 * - otherwise the normal approximation with the tie correction of the variance and no continuity
 *   correction (scipy `method="approx"`). For ties among ≤ 50 differences scipy 1.10's "auto" still
 *   takes the exact table with W+ truncated to an integer, which misstates p; the normal
 *   approximation with tie correction (what R and newer scipy do) is used instead.
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): SignedRank {
  const d = differences(a, b);
  const nonzero = d.filter((x) => x !== 0);
  const abs = nonzero.map(Math.abs).sort((x, y) => x - y);
  const ties = abs.some((x, i) => i > 0 && x === abs[i - 1]);
  const method = nonzero.length <= 50 && nonzero.length === d.length && !ties ? "exact" : "normal";
  if (d.length < 2 || nonzero.length === 0) return { n: nonzero.length, p: Number.NaN, method };
  // stdlib picks the same method by the same rule (exact unless > 50 values, zeros or ties).
  const result = wilcoxon(d, { correction: false, zeroMethod: "wilcox", exact: false });
  return { n: nonzero.length, p: Math.min(1, result.pValue), method };
}
