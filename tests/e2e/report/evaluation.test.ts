import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";
import { makeRunDir } from "../../unit/aggregate/make-runs.ts";

/** The reference pipeline's hand-written run directories (tests/unit/aggregate/fixtures/reference). */
const REFERENCE = join(import.meta.dir, "..", "..", "unit", "aggregate", "fixtures", "reference", "mammo_efficientnetb0_density");
const RENDER_TIMEOUT = 120_000;

let root: string;
let runs: string[];
let result: Record<string, unknown>;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "report-evaluation-"));
  // Three seeds with a held-out test part: test metrics/predictions as train writes them (here: the
  // validation files with another accuracy), and one accuracy of 1 so a t interval is clipped.
  runs = [42, 43, 44].map((seed, i) => {
    const dir = makeRunDir(join(root, "runs", `results_${i}`), { seed, patients: 10 });
    const vm = JSON.parse(readFileSync(join(dir, "metrics", "val_metrics.json"), "utf8"));
    if (i === 0) vm.acc = 1;
    writeFileSync(join(dir, "metrics", "val_metrics.json"), JSON.stringify(vm));
    writeFileSync(join(dir, "metrics", "test_metrics.json"), JSON.stringify({ ...vm, acc: 0.5 + i / 10 }));
    copyFileSync(join(dir, "val_predictions.csv"), join(dir, "test_predictions.csv"));
    return dir;
  });
  result = await runTask("report", { run: runs, assetsDir: join(root, "Article", "assets"), tex: join(root, "Article", "sections", "s.tex"), gradcamLimit: 0 }, { quiet: true });
}, RENDER_TIMEOUT);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const asset = (name: string) => readFileSync(join(root, "Article", "assets", name), "utf8");

describe("report: intervals and the held-out test part (issue 14)", () => {
  test("density_intervals_table shows the logit t interval (* where clipped), bootstrap percentile and BCa intervals and the undefined resamples", () => {
    const tex = asset("density_intervals_table.tex");
    const aggregate = JSON.parse(readFileSync(join(root, "Article", "aggregate", "aggregate.json"), "utf8")) as { metrics: Record<string, Record<string, number | string | null>> };
    const auc = aggregate.metrics.auc_ovr!;
    expect(auc.boot_undefined as number).toBeGreaterThan(0);
    expect(tex).toContain(`${auc.boot_undefined} / 5000`);
    expect(tex).toContain(`[${(auc.boot_bca_low as number).toFixed(3)}, ${(auc.boot_bca_high as number).toFixed(3)}]`);
    expect(aggregate.metrics.accuracy!.t_ci_scale).toBe("clipped");
    expect(tex).toMatch(/Accuracy & [0-9.]+ & \[[0-9.]+, 1\.000\]\*/);
    expect(tex).toContain("(* clipped to the range: a run sits on its bound)");
    // The plain sentence about three seeds, in the caption.
    expect(tex).toContain("A t interval on 3 values is wide: its half-width is 4.30 standard errors");
    expect(tex).toContain("validation part (the best epoch was chosen on these same data, so the numbers are optimistic)");
  });

  test("runs with test metrics get density_test_metrics_table and density_test_intervals_table, in the section and report.html", () => {
    expect(result.tables).toEqual(expect.arrayContaining(["density_test_metrics_table", "density_test_intervals_table"]));
    const tex = asset("density_test_metrics_table.tex");
    expect(tex).toContain("Held-out test metrics of the density model per seed");
    expect(tex).toContain("42 (results\\_0) & 0.500");
    expect(tex).toContain("CI ($t$, logit)");
    const section = readFileSync(join(root, "Article", "sections", "s.tex"), "utf8");
    expect(section).toContain("../assets/density_test_metrics_table.tex}");
    const html = asset("report.html");
    expect(html).toContain("Held-out test part");
    expect(html).toContain("no choice was made on them");
  });

  test("report --test-aggregate refuses an aggregate of the validation part", async () => {
    const err = (await runTask("report", { run: runs, testAggregate: join(root, "Article", "aggregate", "aggregate.json"), assetsDir: join(root, "x", "assets"), tex: join(root, "x", "s.tex") }, { quiet: true }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("is not of the test part");
  });
});

describe("report on the reference pipeline's run directories", () => {
  test("renders its runs (val_metrics.json without epoch or weighted_f1) and the published mean ± σ with --sigma population", async () => {
    const out = join(root, "ref");
    const agg = await runTask("aggregate", { run: [REFERENCE], sigma: "population", bootstrap: 0, outdir: join(out, "aggregate") }, { quiet: true });
    const r = await runTask("report", { run: ["results_4", "results_5", "results_6"].map((d) => join(REFERENCE, d)), aggregate: agg.path as string, assetsDir: join(out, "assets"), tex: join(out, "s.tex"), gradcamLimit: 0 }, { quiet: true });
    expect(r.figures).toEqual(expect.arrayContaining(["density_confusion_seed42", "density_confusion_seed43", "density_confusion_seed44"]));
    const table = readFileSync(join(out, "assets", "density_metrics_table.tex"), "utf8");
    expect(table).toContain("0.696 $\\pm$ 0.026");
    expect(table).toContain("0.721 $\\pm$ 0.025");
    expect(readdirSync(join(out, "assets"))).toContain("density_intervals_table.tex");
  }, RENDER_TIMEOUT);
});
