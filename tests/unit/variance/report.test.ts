import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import type { VarianceBody } from "../../../lib/variance/index.ts";
import { makeRunDir, PUBLISHED } from "../aggregate/make-runs.ts";

const dir = mkdtempSync(join(tmpdir(), "variance-report-"));
const assets = join(dir, "Article", "assets");
const tex = join(dir, "Article", "sections", "density_model.tex");
const all = (v: number) => ({ split: v, init: v, order: v, augment: v, dropout: v });
let variancePath = "";
let planPath = "";
let study: VarianceBody;

beforeAll(async () => {
  // A one-at-a-time study over split and init (3 levels each), runs written by hand.
  const kappa: Record<string, number> = { base: 0.7, s43: 0.64, s44: 0.67, i43: 0.71, i44: 0.705 };
  const seeds: Record<string, ReturnType<typeof all>> = { base: all(42), s43: { ...all(42), split: 43 }, s44: { ...all(42), split: 44 }, i43: { ...all(42), init: 43 }, i44: { ...all(42), init: 44 } };
  const runs = Object.keys(kappa).map((k) => makeRunDir(join(dir, "study", k), { seed: 42, seeds: seeds[k], patients: 16, metrics: { kappa_quadratic: kappa[k] as number }, weightsSha256: `w-${k}` }));
  variancePath = (await runTask("variance", { run: runs, design: "one-at-a-time", n: 3, sources: "split,init", bootstrap: 100, outdir: join(dir, "variance") }, { quiet: true })).path as string;
  study = JSON.parse(readFileSync(variancePath, "utf8")) as VarianceBody;
  PUBLISHED.forEach((p) => makeRunDir(join(dir, "seeds", p.run), { seed: p.seed, metrics: { kappa_quadratic: p.kappa_quadratic } }));
  await runTask("aggregate", { run: [join(dir, "seeds")], outdir: join(dir, "agg"), bootstrap: 0 }, { quiet: true });
  planPath = (await runTask("plan-seeds", { aggregate: join(dir, "agg", "aggregate.json"), delta: 0.02, outdir: join(dir, "plan") }, { quiet: true })).path as string;
  await runTask("report", { variance: variancePath, plan: planPath, assetsDir: assets, tex }, { quiet: true });
});
afterAll(() => (process.env.KEEP_VARIANCE_REPORT ? undefined : rmSync(dir, { recursive: true, force: true })));

describe("runTask('report', {variance, plan})", () => {
  test("writes the σ-per-source figure (SVG, PDF, PNG), the variance table and the seed-plan table, and inputs both tables in the section", () => {
    for (const f of ["density_variance_sources.svg", "density_variance_sources.pdf", "density_variance_sources.png", "density_variance_table.tex", "density_seed_plan.tex", "report.html"]) expect(existsSync(join(assets, f))).toBe(true);
    const section = readFileSync(tex, "utf8");
    // However the section spells the path to the assets, it inputs both tables and includes the figure.
    expect(section).toMatch(/\\input\{[^}]*assets\/density_variance_table\.tex\}/);
    expect(section).toMatch(/\\input\{[^}]*assets\/density_seed_plan\.tex\}/);
    expect(section).toMatch(/\\includegraphics\[[^\]]*\]\{[^}]*assets\/density_variance_sources\.pdf\}/);
  });
  test("the variance table shows each source's σ of κ, its interval and share, as variance.json holds them", () => {
    const table = readFileSync(join(assets, "density_variance_table.tex"), "utf8");
    expect(table).toContain("\\toprule");
    const [split, init] = study.metrics.kappa_quadratic.components;
    // split: 0.70, 0.64, 0.67 → s² = 0.0009, σ = 0.030; init: 0.70, 0.71, 0.705 → s² = 0.000025, σ = 0.005.
    expect(split?.sd).toBeCloseTo(0.03, 12);
    expect(init?.sd).toBeCloseTo(0.005, 12);
    expect(table).toMatch(new RegExp(`split & 3 & 0\\.030 & \\[${split?.sd_ci_low?.toFixed(3)}, ${split?.sd_ci_high?.toFixed(3)}\\] & 97\\\\,\\\\%`));
    expect(table).toMatch(/init & 3 & 0\.005 & .* & 3\\,\\%/);
    expect(table).toContain("Evaluation (bootstrap)");
  });
  test("the seed plan's sentence is the caption of its table and appears in report.html", () => {
    const plan = JSON.parse(readFileSync(planPath, "utf8")) as { sentence: string; n_required: number };
    expect(plan.sentence).toStartWith(`to detect Δκ = 0.02 at α = 0.05 with 80 % power: ${plan.n_required} seeds per configuration`);
    const planTex = readFileSync(join(assets, "density_seed_plan.tex"), "utf8");
    expect(planTex).toContain(`To detect \\ensuremath{\\Delta}\\ensuremath{\\kappa} = 0.02 at \\ensuremath{\\alpha} = 0.05 with 80 \\% power: ${plan.n_required} seeds per configuration`);
    expect(planTex).not.toContain("α");
    const html = readFileSync(join(assets, "report.html"), "utf8");
    expect(html).toContain("Where the variance comes from");
    expect(html).toContain(`${plan.n_required} seeds per configuration`);
    expect(html).toContain("the largest source is split");
  });
});
