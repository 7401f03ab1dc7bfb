import { describe, expect, test } from "bun:test";
import { stream } from "../../../lib/rng/index.ts";
import {
  bootstrapGroups,
  cvPercent,
  holm,
  mean,
  median,
  nadeauBengioTest,
  pairedTTest,
  probabilityAGreater,
  quantile,
  standardError,
  std,
  summarize,
  tInterval,
  wilcoxonSignedRank,
} from "../../../lib/stats/index.ts";

describe("descriptive statistics by hand", () => {
  const x = [2, 4, 4, 4, 5, 5, 7, 9]; // mean 5, Σ(x − 5)² = 32

  test("std(x, 'population') = √(32/8) = 2; std(x) defaults to the sample σ √(32/7)", () => {
    expect(mean(x)).toBe(5);
    expect(std(x, "population")).toBe(2);
    expect(std(x)).toBeCloseTo(Math.sqrt(32 / 7), 15);
  });

  test("cvPercent([1, 2, 3]) = 1 / 2 · 100 = 50; standardError = s/√n", () => {
    expect(cvPercent([1, 2, 3])).toBe(50);
    expect(cvPercent([1, 2, 3], "population")).toBeCloseTo((Math.sqrt(2 / 3) / 2) * 100, 13);
    expect(standardError([1, 2, 3])).toBeCloseTo(1 / Math.sqrt(3), 15);
  });

  test("median and quantile interpolate linearly between order statistics (numpy's default)", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 15);
  });

  test("tInterval([1, 2, 3]) = 2 ± t(0.975, 2) · 1/√3 with t(0.975, 2) = 4.302652729749464", () => {
    const ci = tInterval([1, 2, 3]);
    expect(ci.low).toBeCloseTo(2 - 4.302652729749464 / Math.sqrt(3), 13);
    expect(ci.high).toBeCloseTo(2 + 4.302652729749464 / Math.sqrt(3), 13);
    expect(Number.isNaN(tInterval([1]).low)).toBe(true);
  });

  test("summarize([0.7]) reports n = 1 with the σ-based fields null; summarize([]) is all null", () => {
    const one = summarize([0.7]);
    expect(one).toEqual({ n: 1, mean: 0.7, std: null, cv_pct: null, se: null, t_ci_low: null, t_ci_high: null, t_ci_scale: null, median: 0.7, min: 0.7, max: 0.7 });
    expect(summarize([0.7], { sigma: "population" }).std).toBe(0);
    expect(summarize([]).mean).toBeNull();
  });
});

describe("paired tests", () => {
  test("pairedTTest: constant non-zero differences give p = 0 and a zero-width interval; all-zero differences give NaN", () => {
    const r = pairedTTest([1, 2, 3], [0, 1, 2]);
    expect(r.p).toBe(0);
    expect([r.ciLow, r.ciHigh]).toEqual([1, 1]);
    expect(Number.isNaN(pairedTTest([1, 2], [1, 2]).p)).toBe(true);
    expect(Number.isNaN(pairedTTest([1], [0]).p)).toBe(true);
  });

  test("pairedTTest refuses samples of different lengths", () => {
    expect(() => pairedTTest([1, 2], [1])).toThrow("paired samples differ in length: 2 vs 1");
  });

  test("wilcoxonSignedRank: 3 positive differences → exact p = 2 · 1/8; fewer than 2 pairs → NaN", () => {
    const r = wilcoxonSignedRank([3, 5, 8], [1, 2, 4]);
    expect([r.n, r.method]).toEqual([3, "exact"]);
    expect(r.p).toBeCloseTo(0.25, 12);
    expect(Number.isNaN(wilcoxonSignedRank([1], [0]).p)).toBe(true);
    expect(wilcoxonSignedRank([1, 2, 3, 4], [0, 1, 2, 4]).method).toBe("normal"); // ties and a zero
  });

  test("nadeauBengioTest(a, b, r) divides t by √(1 + J·r) relative to the paired t test", () => {
    const a = [0.71, 0.74, 0.69, 0.72, 0.7];
    const b = [0.7, 0.71, 0.69, 0.69, 0.68];
    const plain = pairedTTest(a, b);
    const nb = nadeauBengioTest(a, b, 0.25);
    expect(nb.t).toBeCloseTo(plain.t / Math.sqrt(1 + 5 * 0.25), 12);
    expect(nb.p).toBeGreaterThan(plain.p);
    expect(() => nadeauBengioTest(a, b, 0)).toThrow("n_test/n_train must be a positive number, got 0");
  });

  test("probabilityAGreater counts matched pairs, a tie counting ½", () => {
    expect(probabilityAGreater([1, 2, 3], [0, 2, 4])).toBe(0.5);
    expect(probabilityAGreater([1, 2], [0, 1])).toBe(1);
  });
});

test("holm([0.01, 0.04, 0.03, 0.005, null]) = [0.03, 0.06, 0.06, 0.02, null] (m = 4 defined p-values)", () => {
  const adjusted = holm([0.01, 0.04, 0.03, 0.005, null]);
  expect(adjusted.map((p) => (p === null ? null : Math.round(p * 1e12) / 1e12))).toEqual([0.03, 0.06, 0.06, 0.02, null]);
  expect(holm([0.6, 0.7])).toEqual([1, 1]);
});

describe("bootstrapGroups", () => {
  const groups = [
    [1, 1, 1],
    [0, 0, 0],
    [1, 1, 1],
    [0, 0, 0],
    [1, 1, 1],
  ];
  const flat = (sample: readonly number[][]) => sample.flat();

  test("resamples whole groups: every resample holds a multiple of 3 rows", () => {
    const out = bootstrapGroups(groups, (s) => ({ rowsMod3: flat(s).length % 3, pure: flat(s).every((_, i, a) => a[i - (i % 3)] === a[i]) ? 1 : 0 }), {
      resamples: 200,
      rng: stream(1, "bootstrap"),
    });
    expect(out.rowsMod3).toMatchObject({ low: 0, high: 0, valid: 200, undefinedResamples: 0 });
    expect(out.pure).toMatchObject({ low: 1, high: 1, valid: 200, undefinedResamples: 0 });
  });

  test("the same seed gives the same interval; another seed another; the interval brackets the estimate", () => {
    const many = Array.from({ length: 40 }, (_, i) => [i / 40, (i + 1) / 40]);
    const stat = (s: readonly number[][]) => ({ mean: mean(flat(s)) });
    const a = bootstrapGroups(many, stat, { resamples: 500, rng: stream(1, "bootstrap") });
    const b = bootstrapGroups(many, stat, { resamples: 500, rng: stream(1, "bootstrap") });
    const c = bootstrapGroups(many, stat, { resamples: 500, rng: stream(2, "bootstrap") });
    expect(a).toEqual(b);
    expect(c.mean.low).not.toBe(a.mean.low as number);
    const estimate = mean(flat(many)); // 0.5
    expect(a.mean.low!).toBeLessThan(estimate);
    expect(a.mean.high!).toBeGreaterThan(estimate);
    // Roughly the normal interval 0.5 ± 1.96 · σ/√n of the 40 group means (σ ≈ 0.29): ± 0.09.
    expect(a.mean.high! - a.mean.low!).toBeGreaterThan(0.12);
    expect(a.mean.high! - a.mean.low!).toBeLessThan(0.24);
  });

  test("undefined values (null) are left out and counted; bad resamples are refused", () => {
    const out = bootstrapGroups(groups, (s) => ({ v: flat(s)[0] === 1 ? 1 : null }), { resamples: 300, rng: stream(3, "bootstrap") });
    expect(out.v.low).toBe(1);
    expect(out.v.valid).toBeGreaterThan(100);
    expect(out.v.valid).toBeLessThan(300);
    expect(out.v.undefinedResamples).toBe(300 - out.v.valid);
    expect(() => bootstrapGroups(groups, () => ({ v: 1 }), { resamples: 0, rng: stream(3, "bootstrap") })).toThrow("positive integer, got 0");
  });
});
