import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTask } from "../../../lib/task/index.ts";

/** Hand-written run directories of the reference pipeline (see fixtures/reference/README.md). */
const FIXTURES = join(import.meta.dir, "fixtures", "reference");
const HOLDOUT = join(FIXTURES, "mammo_efficientnetb0_density");
const CV = join(FIXTURES, "density_experiments", "results_k");

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "aggregate-reference-"));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

interface Out {
  runs: { dir: string; seed: number; fold: number | null; origin: string; metrics: Record<string, number | null> }[];
  metrics: Record<string, { n: number; mean: number; std: number }>;
  mixed: string[];
}

async function aggregate(params: Record<string, unknown>): Promise<Out> {
  const result = await runTask("aggregate", { outdir: join(tmp, "agg"), bootstrap: 0, sigma: "population", ...params }, { quiet: true });
  return JSON.parse(readFileSync(result.path as string, "utf8")) as Out;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const row = (out: Out, m: string) => [r3(out.metrics[m]!.mean), r3(out.metrics[m]!.std)];

describe("aggregate reads the reference pipeline's run directories", () => {
  test("results_4..6 reproduce the published table: 0.696 ± 0.026, 0.721 ± 0.025, 0.579 ± 0.011, 0.910 ± 0.010 (population σ)", async () => {
    const out = await aggregate({ run: [HOLDOUT] });
    expect(out.runs.map((r) => [r.seed, r.fold, r.origin])).toEqual([
      [42, null, "reference"],
      [43, null, "reference"],
      [44, null, "reference"],
    ]);
    expect(out.runs.map((r) => r3(r.metrics.accuracy!))).toEqual([0.676, 0.733, 0.679]);
    expect(row(out, "accuracy")).toEqual([0.696, 0.026]);
    expect(row(out, "kappa_quadratic")).toEqual([0.721, 0.025]);
    expect(row(out, "macro_f1")).toEqual([0.579, 0.011]);
    expect(row(out, "auc_ovr")).toEqual([0.91, 0.01]);
    expect(out.mixed).toEqual([]);
  });

  test("per-class F1 comes from the classification report (keys A..D or 1..4) and bal_acc from val_metrics.json", async () => {
    const out = await aggregate({ run: [join(HOLDOUT, "results_4"), join(CV, "fold_1", "results")], allowMixed: true });
    const [holdout, fold] = out.runs.sort((a, b) => (a.fold ?? 0) - (b.fold ?? 0));
    const vm = (dir: string) => JSON.parse(readFileSync(join(dir, "metrics", "val_metrics.json"), "utf8"));
    const a = vm(join(HOLDOUT, "results_4"));
    const b = vm(join(CV, "fold_1", "results"));
    expect(holdout!.metrics.f1_A).toBe(a.classification_report.A["f1-score"]);
    expect(holdout!.metrics.bal_acc).toBe(a.bal_acc);
    expect(fold!.metrics.f1_D).toBe(b.classification_report["4"]["f1-score"]);
    // The fold comes from the fold_k directory (the reference's summary.json has no fold).
    expect(fold!.fold).toBe(1);
  });

  test("a reference CV directory (cv_summary.json without missing_folds) reproduces 0.659 ± 0.024 accuracy, 0.666 ± 0.020 κ", async () => {
    const out = await aggregate({ run: [CV] });
    expect(out.runs.map((r) => r.fold)).toEqual([1, 2, 3]);
    expect(row(out, "accuracy")).toEqual([0.659, 0.024]);
    expect(row(out, "kappa_quadratic")).toEqual([0.666, 0.02]);
    expect(row(out, "macro_f1")).toEqual([0.592, 0.036]);
    expect(row(out, "auc_ovr")).toEqual([0.878, 0.01]);
  });

  test("reference runs with another hyperparameter or other data_hashes are refused like the project's own", async () => {
    const dir = join(tmp, "runs");
    cpSync(HOLDOUT, dir, { recursive: true });
    const path = join(dir, "results_5", "summary.json");
    const summary = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...summary, lr: 0.001 }));
    const err = (await aggregate({ run: [dir] }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("config.lr: 0.0001");
    writeFileSync(path, JSON.stringify({ ...summary, data_hashes: { "classificacao.csv": "another" } }));
    const err2 = (await aggregate({ run: [dir] }).catch((e: Error) => e)) as Error;
    expect(err2.message).toContain("data_fingerprint");
  });

  test("--part test on a reference run is refused: the reference pipeline has no test set", async () => {
    const err = (await aggregate({ run: [HOLDOUT], part: "test" }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("reference pipeline, which has no held-out test set");
  });
});
