import { describe, expect, test } from "bun:test";
import cdfT from "@stdlib/stats-base-dists-t-cdf";
import { betaInc, chiSquareCdf, chiSquareQuantile, gammaP, logGamma, nonCentralTCdf, normalCdf, solveEffectSize, solveSampleSize, tTestPower } from "../../../lib/stats/index.ts";

describe("special functions by hand", () => {
  test("logGamma(n) = ln (n − 1)!, logGamma(½) = ln √π", () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
  });
  test("gammaP(1, x) = 1 − e^−x; betaInc(x, a, 1) = x^a; betaInc(x, 1, 1) = x", () => {
    for (const x of [0.1, 1, 3, 12]) expect(gammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 14);
    for (const x of [0.05, 0.3, 0.9]) {
      expect(betaInc(x, 3, 1)).toBeCloseTo(x ** 3, 14);
      expect(betaInc(x, 1, 1)).toBeCloseTo(x, 14);
    }
  });
  test("normalCdf: Φ(0) = ½, Φ(1.959963984540054) = 0.975, and Φ(−x) = 1 − Φ(x)", () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-1.3) + normalCdf(1.3)).toBeCloseTo(1, 15);
  });
  test("χ² with 2 df: cdf 1 − e^(−x/2), quantile −2·ln(1 − p)", () => {
    expect(chiSquareCdf(3, 2)).toBeCloseTo(1 - Math.exp(-1.5), 14);
    for (const p of [1e-6, 0.025, 0.5, 0.975, 0.999999]) expect(chiSquareQuantile(p, 2) / (-2 * Math.log1p(-p))).toBeCloseTo(1, 12);
    for (const df of [0.7, 3, 17.5, 120]) for (const p of [0.01, 0.5, 0.99]) expect(chiSquareCdf(chiSquareQuantile(p, df), df)).toBeCloseTo(p, 13);
    // A tiny df (Satterthwaite's, for a component barely above 0) puts the lower quantile near 1e-64.
    const tiny = chiSquareQuantile(0.025, 0.05);
    expect(tiny).toBeGreaterThan(0);
    expect(chiSquareCdf(tiny, 0.05) / 0.025).toBeCloseTo(1, 12);
  });
});

describe("nonCentralTCdf(t, df, nc)", () => {
  test("with nc = 0 it is Student's t cdf", () => {
    for (const [t, df] of [[-2.5, 3], [0.4, 7], [1.8, 30]] as const) expect(nonCentralTCdf(t, df, 0)).toBeCloseTo(cdfT(t, df), 13);
  });
  test("it decreases as nc grows, and nc shifts the distribution: F(nc; large df, nc) ≈ ½", () => {
    expect(nonCentralTCdf(1, 10, 0.5)).toBeGreaterThan(nonCentralTCdf(1, 10, 1.5));
    expect(nonCentralTCdf(2, 1e6, 2)).toBeCloseTo(0.5, 5);
  });
});

describe("tTestPower / solveSampleSize / solveEffectSize", () => {
  test("power at effect size 0 is α (both tails together)", () => {
    expect(tTestPower("paired", 0, 10, 0.05)).toBeCloseTo(0.05, 13);
    expect(tTestPower("independent", 0, 10, 0.05)).toBeCloseTo(0.05, 13);
  });
  test("with many runs the paired power approaches the normal approximation Φ(d√n − z₀.₉₇₅) + Φ(−d√n − z₀.₉₇₅)", () => {
    const z = 1.959963984540054;
    const approx = normalCdf(0.1 * Math.sqrt(2000) - z) + normalCdf(-0.1 * Math.sqrt(2000) - z);
    expect(tTestPower("paired", 0.1, 2000, 0.05)).toBeCloseTo(approx, 3);
  });
  test("solveSampleSize returns the n at which the power is reached; an independent design needs about twice as many", () => {
    const n = solveSampleSize("paired", 0.8, 0.05, 0.8);
    expect(tTestPower("paired", 0.8, n, 0.05)).toBeCloseTo(0.8, 10);
    expect(tTestPower("paired", 0.8, n - 0.5, 0.05)).toBeLessThan(0.8);
    const ni = solveSampleSize("independent", 0.8, 0.05, 0.8);
    expect(ni / n).toBeGreaterThan(1.7);
    expect(ni / n).toBeLessThan(2);
  });
  test("solveEffectSize inverts the power in d", () => {
    const d = solveEffectSize("independent", 5, 0.05, 0.8);
    expect(tTestPower("independent", d, 5, 0.05)).toBeCloseTo(0.8, 10);
    expect(solveEffectSize("independent", 20, 0.05, 0.8)).toBeLessThan(d);
  });
  test("bad levels and n are refused by name", () => {
    expect(() => solveSampleSize("paired", 0.5, 0.05, 0.01)).toThrow("power must be in (alpha, 1)");
    expect(() => solveSampleSize("paired", 0, 0.05, 0.8)).toThrow("effect size must be a non-zero number, got 0");
    expect(() => solveEffectSize("paired", 1, 0.05, 0.8)).toThrow("a paired t test needs n > 1 (got 1)");
  });
});
