import { describe, expect, test } from "bun:test";
import { stream } from "../../../lib/rng/index.ts";
import { bcaLevels, bootstrapGroups, mean, normalCdf, normalQuantile, rangeTInterval, summarize, tInterval } from "../../../lib/stats/index.ts";

/** t(0.975, 2), scipy.stats.t.ppf(0.975, 2). */
const T975_2 = 4.302652729749464;
const logit = (x: number) => Math.log(x / (1 - x));
const expit = (y: number) => 1 / (1 + Math.exp(-y));

describe("rangeTInterval", () => {
  // Three per-seed F1 values of a rare class: the ordinary t interval leaves [0, 1] on both sides.
  const f1 = [0.2, 0.9, 0.5];

  test("rangeTInterval(f1, [0, 1]) maps the t interval of the logits back: inside (0, 1) where the ordinary one is not", () => {
    const plain = tInterval(f1);
    expect(plain.low).toBeLessThan(0);
    expect(plain.high).toBeGreaterThan(1);
    const y = f1.map(logit);
    const m = (y[0]! + y[1]! + y[2]!) / 3;
    const s = Math.sqrt(y.reduce((a, v) => a + (v - m) ** 2, 0) / 2);
    const ci = rangeTInterval(f1, { min: 0, max: 1 });
    expect(ci.scale).toBe("logit");
    expect(ci.low).toBeCloseTo(expit(m - (T975_2 * s) / Math.sqrt(3)), 12);
    expect(ci.high).toBeCloseTo(expit(m + (T975_2 * s) / Math.sqrt(3)), 12);
    expect(ci.low).toBeGreaterThan(0);
    expect(ci.high).toBeLessThan(1);
  });

  test("rangeTInterval(κ, [−1, 1]) works on logit((κ + 1)/2)", () => {
    const kappa = [0.697, 0.756, 0.71];
    const y = kappa.map((k) => logit((k + 1) / 2));
    const m = mean(y);
    const s = Math.sqrt(y.reduce((a, v) => a + (v - m) ** 2, 0) / 2);
    const ci = rangeTInterval(kappa, { min: -1, max: 1 });
    expect(ci.low).toBeCloseTo(-1 + 2 * expit(m - (T975_2 * s) / Math.sqrt(3)), 12);
    expect(ci.high).toBeCloseTo(-1 + 2 * expit(m + (T975_2 * s) / Math.sqrt(3)), 12);
    // Close to the ordinary interval when the values sit well inside the range.
    const plain = tInterval(kappa);
    expect(Math.abs(ci.low - plain.low)).toBeLessThan(0.02);
  });

  test("a value on a bound (logit ±∞) falls back to the ordinary interval clipped to the range, and says so", () => {
    const ci = rangeTInterval([0, 0.4, 0.1], { min: 0, max: 1 });
    expect(ci.scale).toBe("clipped");
    expect(ci.low).toBe(0);
    expect(ci.high).toBeCloseTo(tInterval([0, 0.4, 0.1]).high, 15);
    expect(rangeTInterval([0, 0, 0], { min: 0, max: 1 })).toEqual({ low: 0, high: 0, scale: "clipped" });
  });

  test("equal values give a zero-width interval at the value; no range gives the ordinary interval", () => {
    expect(rangeTInterval([0.7, 0.7, 0.7], { min: 0, max: 1 })).toEqual({ low: 0.7, high: 0.7, scale: "logit" });
    expect(rangeTInterval(f1, null)).toEqual({ ...tInterval(f1), scale: "linear" });
    expect(Number.isNaN(rangeTInterval([0.5], { min: 0, max: 1 }).low)).toBe(true);
  });

  test("summarize(values, {range}) reports the range-respecting interval and its scale", () => {
    const s = summarize(f1, { range: { min: 0, max: 1 } });
    expect(s.t_ci_scale).toBe("logit");
    expect(s.t_ci_low).toBeGreaterThan(0);
    expect(s.t_ci_high).toBeLessThan(1);
    expect(summarize(f1).t_ci_scale).toBe("linear");
  });
});

describe("normalCdf / normalQuantile", () => {
  test("normalQuantile(0.975) = 1.959963984540054 (scipy ndtri) and normalCdf inverts it", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(Math.abs(normalQuantile(0.5))).toBe(0);
    expect(normalCdf(normalQuantile(0.025))).toBeCloseTo(0.025, 15);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(Number.isNaN(normalQuantile(1.5))).toBe(true);
  });
});

describe("bcaLevels", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  test("θ̂ at the median of the resamples and a symmetric jackknife: z₀ = 0, a = 0, so the levels are α and 1 − α", () => {
    const levels = bcaLevels(sorted, 50.5, [1, 2, 3, 4, 5], 0.025);
    expect(levels![0]).toBeCloseTo(0.025, 14);
    expect(levels![1]).toBeCloseTo(0.975, 14);
  });

  test("θ̂ above most resamples shifts both levels up (bias correction z₀ > 0)", () => {
    const levels = bcaLevels(sorted, 70.5, [1, 2, 3, 4, 5], 0.025)!;
    // z₀ = Φ⁻¹(0.7); with a = 0, α₁ = Φ(2 z₀ + z_0.025).
    const z0 = normalQuantile(0.7);
    expect(levels[0]).toBeCloseTo(normalCdf(2 * z0 + normalQuantile(0.025)), 14);
    expect(levels[1]).toBeCloseTo(normalCdf(2 * z0 + normalQuantile(0.975)), 14);
  });

  test("an undefined jackknife value or a flat jackknife (a = 0/0) gives no BCa levels", () => {
    expect(bcaLevels(sorted, 50.5, [1, null, 3], 0.025)).toBeNull();
    expect(bcaLevels(sorted, 50.5, [2, 2, 2], 0.025)).toBeNull();
  });
});

describe("bootstrapGroups percentile and BCa", () => {
  test("bootstrapGroups(groups, mean) gives an estimate, a percentile and a BCa interval that bracket it", () => {
    const rng = stream(3, "skewed");
    // A right-skewed sample (exponential): BCa moves the interval to the right of the percentile one.
    const data = Array.from({ length: 60 }, () => -Math.log(1 - rng.float()));
    const out = bootstrapGroups(data, (s) => ({ mean: mean(s) }), { resamples: 2000, rng: stream(4, "bootstrap") }).mean;
    expect(out.estimate).toBeCloseTo(mean(data), 15);
    expect(out.valid).toBe(2000);
    expect(out.undefinedResamples).toBe(0);
    for (const [lo, hi] of [
      [out.low!, out.high!],
      [out.bcaLow!, out.bcaHigh!],
    ]) {
      expect(lo).toBeLessThan(out.estimate!);
      expect(hi).toBeGreaterThan(out.estimate!);
    }
    expect(out.bcaHigh!).toBeGreaterThan(out.high!);
  });

  test("bca: false skips the jackknife; an undefined estimate leaves BCa null but keeps the percentile interval", () => {
    const groups = [1, 2, 3, 4, 5, 6];
    const noBca = bootstrapGroups(groups, (s) => ({ m: mean(s) }), { resamples: 50, rng: stream(1, "b"), bca: false }).m;
    expect([noBca.bcaLow, noBca.bcaHigh]).toEqual([null, null]);
    expect(noBca.low).not.toBeNull();
    // Undefined on the full data (all six groups present), defined on most resamples.
    const partial = bootstrapGroups(groups, (s) => ({ m: new Set(s).size === 6 ? null : mean(s) }), { resamples: 200, rng: stream(1, "b") }).m;
    expect(partial.estimate).toBeNull();
    expect(partial.bcaLow).toBeNull();
    expect(partial.low).not.toBeNull();
  });

  test("onResample is called once per resample, not for the jackknife", () => {
    let calls = 0;
    bootstrapGroups([1, 2, 3, 4], (s) => ({ m: mean(s) }), { resamples: 25, rng: stream(1, "b"), onResample: () => calls++ });
    expect(calls).toBe(25);
  });
});
