import { describe, expect, test } from "bun:test";
import { chiSquareInterval, crossedComponents, momComponent, oneFactorVariance, twoWayAnova } from "../../../lib/stats/index.ts";

// With 2 degrees of freedom χ² is exponential with mean 2: its p-quantile is −2·ln(1 − p).
const chi2df2 = (p: number) => -2 * Math.log(1 - p);

describe("oneFactorVariance(values)", () => {
  test("[0, 2, 4]: s² = 4 on 2 df, χ² interval [2·4/χ²(0.975), 2·4/χ²(0.025)]", () => {
    const v = oneFactorVariance([0, 2, 4]);
    expect(v.variance).toBe(4);
    expect(v.df).toBe(2);
    expect(v.method).toBe("chi2");
    expect(v.low).toBeCloseTo(8 / chi2df2(0.975), 12);
    expect(v.high as number).toBeCloseTo(8 / chi2df2(0.025), 10);
  });
  test("a narrower confidence gives a narrower interval around the same estimate", () => {
    const wide = oneFactorVariance([1, 2, 3, 4, 6], 0.95);
    const narrow = oneFactorVariance([1, 2, 3, 4, 6], 0.8);
    expect(narrow.variance).toBe(wide.variance);
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high as number).toBeLessThan(wide.high as number);
  });
  test("identical values give variance 0 and the interval [0, 0]; one value is refused", () => {
    expect(oneFactorVariance([0.7, 0.7, 0.7])).toMatchObject({ variance: 0, low: 0, high: 0 });
    expect(() => oneFactorVariance([0.7])).toThrow("a variance needs at least 2 runs, got 1");
  });
});

describe("twoWayAnova(y) and crossedComponents(y)", () => {
  // Row means 1.5, 4; column means 2, 3.5; grand mean 2.75.
  const y = [
    [1, 2],
    [3, 5],
  ];
  test("sums of squares by hand: SS_A = 6.25, SS_B = 2.25, SS_E = 8.75 − 6.25 − 2.25 = 0.25", () => {
    const t = twoWayAnova(y);
    expect(t.grandMean).toBe(2.75);
    expect(t.a).toEqual({ ss: 6.25, df: 1, ms: 6.25 });
    expect(t.b).toEqual({ ss: 2.25, df: 1, ms: 2.25 });
    expect(t.residual).toEqual({ ss: 0.25, df: 1, ms: 0.25 });
  });
  test("components from the expected mean squares: σ²_A = (6.25 − 0.25)/2 = 3, σ²_B = (2.25 − 0.25)/2 = 1, σ²_E = 0.25", () => {
    const c = crossedComponents(y);
    expect(c.a.variance).toBe(3);
    expect(c.b.variance).toBe(1);
    expect(c.residual.variance).toBe(0.25);
    expect(c.a.method).toBe("satterthwaite");
    // Satterthwaite's df: (6.25 − 0.25)² / (6.25²/1 + 0.25²/1).
    expect(c.a.df).toBeCloseTo(36 / (39.0625 + 0.0625), 14);
    expect(c.a.low).toBeLessThan(3);
    expect(c.a.high as number).toBeGreaterThan(3);
  });
  test("an additive table (y = row + column) leaves no residual", () => {
    const rows = [0, 1, 5];
    const cols = [10, 20, 30, 45];
    const t = twoWayAnova(rows.map((r) => cols.map((c) => r + c)));
    expect(t.residual.ss).toBeCloseTo(0, 20);
    expect(t.a.df).toBe(2);
    expect(t.b.df).toBe(3);
    expect(t.residual.df).toBe(6);
  });
  test("a negative moment estimate is reported as 0, flagged, with the χ² bound of MS_f / k as upper limit", () => {
    // Row and column means are all 0.5: MS_A = MS_B = 0, MS_E = 1.
    const c = crossedComponents([
      [0, 1],
      [1, 0],
    ]);
    expect(c.a).toMatchObject({ variance: 0, negative: true, method: "bound", low: 0, high: 0 });
    const bound = momComponent({ ms: 0.5, df: 2 }, { ms: 2, df: 4 }, 3);
    expect(bound).toMatchObject({ variance: 0, negative: true, method: "bound" });
    expect(bound.high as number).toBeCloseTo((2 * 0.5) / (3 * chi2df2(0.025)), 12);
  });
  test("ragged or too small tables are refused", () => {
    expect(() => twoWayAnova([[1, 2]])).toThrow("at least 2 × 2 runs, got 1 × 2");
    expect(() => twoWayAnova([[1, 2], [3]])).toThrow("row 1 has 1 cells, expected 2");
  });
});

test("chiSquareInterval(ms, df) scales with ms", () => {
  const one = chiSquareInterval(1, 4);
  const three = chiSquareInterval(3, 4);
  expect(three.low).toBeCloseTo(3 * one.low, 14);
  expect(three.high as number).toBeCloseTo(3 * (one.high as number), 14);
  expect(() => chiSquareInterval(1, 0)).toThrow("df > 0");
});
