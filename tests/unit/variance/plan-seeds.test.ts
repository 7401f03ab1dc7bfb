import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { solveEffectSize, solveSampleSize, tTestPower } from "../../../lib/stats/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import type { SeedPlan } from "../../../lib/variance/index.ts";
import { makePublishedRuns, makeRunDir, PUBLISHED } from "../aggregate/make-runs.ts";

const dir = mkdtempSync(join(tmpdir(), "plan-seeds-"));
/** Configuration B: the published seeds with κ lowered by 0.017, 0.011, 0.020. */
const B_KAPPA = [0.68, 0.745, 0.69];
beforeAll(async () => {
  makePublishedRuns(join(dir, "A"));
  PUBLISHED.forEach((p, i) => makeRunDir(join(dir, "B", p.run), { seed: p.seed, config: { lr: 0.001 }, metrics: { kappa_quadratic: B_KAPPA[i] as number } }));
  await runTask("aggregate", { run: [join(dir, "A")], outdir: join(dir, "agg"), bootstrap: 0, sigma: "population" }, { quiet: true });
  await runTask("aggregate", { compare: [join(dir, "A"), join(dir, "B")], outdir: join(dir, "cmp"), bootstrap: 0 }, { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = async (params: Record<string, unknown>) => {
  const result = await runTask("plan-seeds", { outdir: join(dir, "plan"), ...params }, { quiet: true });
  return JSON.parse(readFileSync(result.path as string, "utf8")) as SeedPlan & { task: string };
};

describe("runTask('plan-seeds', {aggregate, metric, delta})", () => {
  test("over seeds: σ is the sample σ of the published κ (0.697, 0.756, 0.710: √(0.001922/2) = 0.031), two independent configurations", async () => {
    const p = await plan({ aggregate: join(dir, "agg", "aggregate.json"), metric: "kappa_quadratic", delta: 0.02 });
    expect(p.task).toBe("plan-seeds");
    expect(p.design).toBe("independent");
    // The aggregate reported the population σ; the plan uses the sample σ all the same.
    expect(p.pilot.sigma).toBeCloseTo(0.031, 12);
    expect(p.pilot.n).toBe(3);
    expect(p.effect_size).toBeCloseTo(0.02 / 0.031, 10);
    expect(p.n_required_exact).toBeCloseTo(solveSampleSize("independent", 0.02 / 0.031, 0.05, 0.8), 8);
    expect(p.n_required).toBe(Math.ceil(p.n_required_exact));
    // n_required is the first whole number of seeds reaching the power.
    expect(tTestPower("independent", p.effect_size, p.n_required, 0.05)).toBeGreaterThanOrEqual(0.8);
    expect(tTestPower("independent", p.effect_size, p.n_required - 1, 0.05)).toBeLessThan(0.8);
    expect(p.min_detectable_delta).toBeCloseTo(0.031 * solveEffectSize("independent", 3, 0.05, 0.8), 10);
    expect(p.sentence).toStartWith(`to detect Δκ = 0.02 at α = 0.05 with 80 % power: ${p.n_required} seeds per configuration`);
  });
  test("from aggregate --compare: paired by seed on σ of the differences (0.017, 0.011, 0.020: s_d = √(42e-6/2))", async () => {
    const p = await plan({ aggregate: join(dir, "cmp", "aggregate.json"), delta: 0.02, power: 0.9, alpha: 0.01 });
    expect(p.design).toBe("paired");
    expect(p.pilot.n).toBe(3);
    expect(p.pilot.sigma).toBeCloseTo(Math.sqrt(21e-6), 12);
    expect(p.n_required).toBe(Math.ceil(solveSampleSize("paired", 0.02 / Math.sqrt(21e-6), 0.01, 0.9)));
    expect(p.sentence).toContain("paired seeds");
    expect(p.sentence).toContain("at α = 0.01 with 90 % power");
  });
  test("refuses a bad pilot or delta by name", async () => {
    await expect(plan({ aggregate: join(dir, "agg", "aggregate.json"), delta: -1 })).rejects.toThrow("invalid --delta: -1");
    await expect(plan({ delta: 0.02 })).rejects.toThrow("no pilot: give --aggregate A.json");
    await expect(plan({ aggregate: join(dir, "agg", "aggregate.json"), delta: 0.02, alpha: 0.5, power: 0.4 })).rejects.toThrow("invalid --power: 0.4 (expected above --alpha 0.5)");
  });
});
