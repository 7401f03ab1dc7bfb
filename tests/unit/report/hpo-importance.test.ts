import { describe, expect, test } from "bun:test";
import { stream } from "../../../lib/rng/index.ts";
import { epsilonSquared, paramImportance, type ImportanceTrial } from "../../../reports/hpo/importance.ts";

/** 60 seeded trials over lr (log-uniform), dropout (uniform) and optimizer (categorical). */
function trials(objective: (p: { lr: number; dropout: number; optimizer: string }, noise: number) => number): ImportanceTrial[] {
  const rng = stream(7, "test/hpo-importance");
  return Array.from({ length: 60 }, () => {
    const p = { lr: 10 ** (-5 + 3 * rng.float()), dropout: 0.5 * rng.float(), optimizer: ["adamw", "sgd", "rmsprop"][rng.int(3)] as string };
    return { params: p, value: objective(p, rng.float() - 0.5) };
  });
}

describe("paramImportance", () => {
  test("paramImportance ranks lr first when the objective depends on lr alone", () => {
    const result = paramImportance(trials((p, noise) => -((Math.log10(p.lr) + 3) ** 2) + 0.05 * noise));
    expect(result[0]?.param).toBe("lr");
    expect(result[0]?.importance).toBeGreaterThan(0.8);
    expect(result.reduce((a, r) => a + r.importance, 0)).toBeCloseTo(1, 10);
  });
  test("paramImportance ranks the categorical optimizer first when only it matters", () => {
    const result = paramImportance(trials((p, noise) => (p.optimizer === "adamw" ? 0.7 : 0.5) + 0.02 * noise));
    expect(result.map((r) => r.param)[0]).toBe("optimizer");
    expect(result[0]?.importance).toBeGreaterThan(0.8);
  });
  test("paramImportance of pure noise gives no parameter a large share of ε²", () => {
    const result = paramImportance(trials((_p, noise) => noise));
    for (const r of result) expect(r.epsilonSquared).toBeLessThan(0.15);
  });
  test("epsilonSquared of two perfectly separated groups is 1, of identical groups 0", () => {
    expect(epsilonSquared([1, 1, 1, 5, 5, 5], [[0, 1, 2], [3, 4, 5]])).toBe(1);
    expect(epsilonSquared([1, 2, 3, 1, 2, 3], [[0, 1, 2], [3, 4, 5]])).toBe(0);
  });
});

describe("hpoFigures", () => {
  test("hpoFigures draws history, parallel coordinates, slices and importance when trials record params", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { readHpoStudy } = await import("../../../reports/inputs/hpo.ts");
    const { hpoFigures } = await import("../../../reports/build/cross-run.ts");
    const dir = mkdtempSync(join(tmpdir(), "hpo-figs-"));
    try {
      const list = trials((p, noise) => -((Math.log10(p.lr) + 3) ** 2) + 0.05 * noise).slice(0, 12);
      writeFileSync(join(dir, "hpo_summary.json"), JSON.stringify({ objective: "macro_f1", direction: "maximize", trials: list.map((t, i) => ({ number: i, state: "complete", value: t.value, params: t.params })) }));
      const figs = hpoFigures(readHpoStudy(dir));
      expect(figs.map((f) => f.name)).toEqual(["density_hpo_trials", "density_hpo_parallel", "density_hpo_slice", "density_hpo_importance"]);
      expect(figs[3]?.note).toStartWith("lr explains the largest share");
      expect(figs[1]?.svg).toContain(">optimizer</text>");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
