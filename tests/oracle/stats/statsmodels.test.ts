import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import type { SeedPlan } from "../../../lib/variance/index.ts";
import { makeRunDir, PUBLISHED } from "../../unit/aggregate/make-runs.ts";
import { describeWith, missingRequirements, type Requirement } from "../../support/requirements.ts";

const NEEDS: Requirement[] = ["python3-statsmodels", "python3-scipy", "python3-numpy"];
const describeOracle = describeWith(NEEDS);
import { stream } from "../../../lib/rng/index.ts";
import { crossedComponents, oneFactorVariance, solveEffectSize, solveSampleSize, tTestPower, type PowerDesign } from "../../../lib/stats/index.ts";

interface PowerCase {
  design: PowerDesign;
  d: number;
  n: number;
  alpha: number;
  power: number;
}
interface CrossedOracle {
  ss: Record<"C(a)" | "C(b)" | "Residual", number>;
  df: Record<"C(a)" | "C(b)" | "Residual", number>;
  ms: Record<"C(a)" | "C(b)" | "Residual", number>;
  residual_ci: [number, number];
  a: { raw: number; variance: number; ci: [number, number] };
  b: { raw: number; variance: number; ci: [number, number] };
}
interface OneFactorOracle {
  variance: number;
  numpy_var: number;
  ci: [number, number];
}

const CONFIDENCE = 0.95;
const rng = stream(18, "statsmodels-oracle");

/** Effect sizes, sample sizes, α and power across the range a seed plan meets (Δκ/σ from 0.2 to 3). */
const powerCases: PowerCase[] = [];
for (const design of ["paired", "independent"] as const) {
  for (const [d, n, alpha, power] of [
    [0.2, 30, 0.05, 0.8],
    [0.5, 10, 0.05, 0.8],
    [0.8, 3, 0.05, 0.9],
    [1.3, 5, 0.01, 0.8],
    [2.5, 4, 0.1, 0.95],
    [0.35, 64, 0.05, 0.5],
    [1.0, 2.5, 0.05, 0.8],
  ] as const) {
    powerCases.push({ design, d, n, alpha, power });
  }
}

/** Crossed tables: random row and column effects plus noise, at metric scale and at unit scale. */
function table(a: number, b: number, rowSd: number, colSd: number, noiseSd: number, offset: number): number[][] {
  const rows = Array.from({ length: a }, () => rowSd * rng.normal());
  const cols = Array.from({ length: b }, () => colSd * rng.normal());
  return rows.map((r) => cols.map((c) => offset + r + c + noiseSd * rng.normal()));
}
const crossed = [
  table(2, 2, 1, 1, 0.5, 0),
  table(3, 3, 2, 0.5, 1, 5),
  table(4, 3, 0.1, 2, 1, -3),
  table(5, 5, 1, 1, 1, 0),
  table(6, 4, 0.02, 0.01, 0.015, 0.7),
  table(3, 6, 0, 0, 1, 10),
  table(4, 4, 3, 0.2, 0.3, 1),
];
const oneFactor = [[0.71, 0.69, 0.74], [1, 2, 3, 4, 6], Array.from({ length: 12 }, () => 0.7 + 0.03 * rng.normal()), Array.from({ length: 40 }, () => 3 * rng.normal())];

/** Pilots for plan-seeds: REFERENCE.md's published κ over seeds 42–44, and a paired comparison with a second configuration. */
const A_KAPPA = PUBLISHED.map((p) => p.kappa_quadratic);
const B_KAPPA = [0.68, 0.745, 0.69];
const plans = [
  { design: "independent", a: A_KAPPA, b: [], delta: 0.02, alpha: 0.05, power: 0.8 },
  { design: "paired", a: A_KAPPA, b: B_KAPPA, delta: 0.02, alpha: 0.05, power: 0.8 },
  { design: "paired", a: A_KAPPA, b: B_KAPPA, delta: 0.01, alpha: 0.01, power: 0.9 },
];

let oracle: { plans: { sigma: number; n_required_exact: number; n_required: number; min_detectable_delta: number }[]; power: { power: number; nobs: number; nobs_root: number; effect_size: number; effect_size_root: number }[]; crossed: CrossedOracle[]; one_factor: OneFactorOracle[] };

beforeAll(() => {
  if (missingRequirements(NEEDS).length) return;
  const input = JSON.stringify({ power: powerCases, crossed, one_factor: oneFactor, plans, confidence: CONFIDENCE });
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "statsmodels-oracle.py")], { stdin: Buffer.from(input) });
  if (proc.exitCode !== 0) throw new Error(`statsmodels oracle failed (apt install python3-statsmodels python3-scipy python3-pandas): ${proc.stderr.toString()}`);
  oracle = JSON.parse(proc.stdout.toString());
});

/** |actual − expected| ≤ tol · max(1, |expected|). */
function close(actual: number | null, expected: number, tol = 1e-6): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describeOracle("power and sample size against statsmodels TTestPower / TTestIndPower (two-sided)", () => {
  test("tTestPower = power() to 1e-9", () => {
    powerCases.forEach((c, i) => close(tTestPower(c.design, c.d, c.n, c.alpha), oracle.power[i]?.power as number, 1e-9));
  });
  // statsmodels' solve_power stops early (up to ~1e-6 off its own root): compare with the root of its
  // power function to 1e-6, and with solve_power's answer to 1e-5.
  test("solveSampleSize = solve_power(nobs=None) to 1e-6", () => {
    powerCases.forEach((c, i) => {
      const n = solveSampleSize(c.design, c.d, c.alpha, c.power);
      close(n, oracle.power[i]?.nobs_root as number);
      close(n, oracle.power[i]?.nobs as number, 1e-5);
    });
  });
  test("solveEffectSize = solve_power(effect_size=None) to 1e-6", () => {
    powerCases.forEach((c, i) => {
      const d = solveEffectSize(c.design, c.n, c.alpha, c.power);
      close(d, oracle.power[i]?.effect_size_root as number);
      close(d, oracle.power[i]?.effect_size as number, 1e-5);
    });
  });
});

describeOracle("crossedComponents against statsmodels anova_lm(ols('y ~ C(a) + C(b)')) and its expected mean squares", () => {
  test("sums of squares, df and mean squares to 1e-6 (relative)", () => {
    crossed.forEach((y, i) => {
      const { anova } = crossedComponents(y, CONFIDENCE);
      const o = oracle.crossed[i] as CrossedOracle;
      const parts = [
        [anova.a, "C(a)"],
        [anova.b, "C(b)"],
        [anova.residual, "Residual"],
      ] as const;
      for (const [mine, key] of parts) {
        close(mine.ss, o.ss[key]);
        expect(mine.df).toBe(o.df[key]);
        close(mine.ms, o.ms[key]);
      }
    });
  });
  test("variance components (EMS, negative → 0) and their intervals to 1e-6", () => {
    let negatives = 0;
    crossed.forEach((y, i) => {
      const c = crossedComponents(y, CONFIDENCE);
      const o = oracle.crossed[i] as CrossedOracle;
      for (const [mine, theirs] of [
        [c.a, o.a],
        [c.b, o.b],
      ] as const) {
        close(mine.variance, theirs.variance);
        expect(mine.negative).toBe(theirs.raw < 0);
        if (theirs.raw < 0) negatives++;
        close(mine.low, theirs.ci[0]);
        close(mine.high, theirs.ci[1]);
      }
      close(c.residual.variance, o.ms.Residual);
      close(c.residual.low, o.residual_ci[0]);
      close(c.residual.high, o.residual_ci[1]);
    });
    // The cases include both kinds of estimate (the table with no true effects gives a negative one).
    expect(negatives).toBeGreaterThan(0);
  });
});

describeOracle("oneFactorVariance against statsmodels", () => {
  test("oneFactorVariance = anova_lm(ols('y ~ 1')) residual mean square, with scipy's χ² interval, to 1e-6", () => {
    oneFactor.forEach((y, i) => {
      const v = oneFactorVariance(y, CONFIDENCE);
      const o = oracle.one_factor[i] as OneFactorOracle;
      close(v.variance, o.variance);
      close(v.variance, o.numpy_var);
      close(v.low, o.ci[0]);
      close(v.high, o.ci[1]);
    });
  });
});

describeOracle("plan-seeds against statsmodels on the published seeds", () => {
  const dir = mkdtempSync(join(tmpdir(), "plan-oracle-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    PUBLISHED.forEach((p, i) => {
      makeRunDir(join(dir, "A", p.run), { seed: p.seed, metrics: { kappa_quadratic: p.kappa_quadratic } });
      makeRunDir(join(dir, "B", p.run), { seed: p.seed, config: { lr: 0.001 }, metrics: { kappa_quadratic: B_KAPPA[i] as number } });
    });
    await runTask("aggregate", { run: [join(dir, "A")], outdir: join(dir, "agg"), bootstrap: 0 }, { quiet: true });
    await runTask("aggregate", { compare: [join(dir, "A"), join(dir, "B")], outdir: join(dir, "cmp"), bootstrap: 0 }, { quiet: true });
  });
  test("n_required (TTestIndPower / TTestPower solve_power, rounded up) and min_detectable_delta to 1e-6", async () => {
    for (const [i, c] of plans.entries()) {
      const pilot = c.design === "paired" ? join(dir, "cmp", "aggregate.json") : join(dir, "agg", "aggregate.json");
      const result = await runTask("plan-seeds", { aggregate: pilot, metric: "kappa_quadratic", delta: c.delta, alpha: c.alpha, power: c.power, outdir: join(dir, `plan${i}`) }, { quiet: true });
      const plan = JSON.parse(readFileSync(result.path as string, "utf8")) as SeedPlan;
      const o = oracle.plans[i] as (typeof oracle.plans)[number];
      close(plan.pilot.sigma, o.sigma, 1e-9);
      close(plan.n_required_exact, o.n_required_exact);
      expect(plan.n_required).toBe(o.n_required);
      close(plan.min_detectable_delta, o.min_detectable_delta);
    }
  });
});
