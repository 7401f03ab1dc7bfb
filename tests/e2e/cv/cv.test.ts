import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deriveSeed } from "../../../lib/rng/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { tinyTraining } from "../train/tiny-training.ts";

const dir = mkdtempSync(join(tmpdir(), "cv-"));
const { cohort, base } = tinyTraining(dir);
const cvOutdir = join(dir, "cv");
// cv makes its own folds: no --val-frac.
const { valFrac: _holdout, ...training } = base;
const params = { ...training, cvFolds: 3, cvOutdir };

interface CvSummary {
  folds: { fold: number; outdir: string; seed: number; metrics: Record<string, number | null> }[];
  missing_folds: number[];
  failed_folds: { fold: number; error: string }[];
  mean: Record<string, number | null>;
  std: Record<string, number | null>;
  min: Record<string, number | null>;
  max: Record<string, number | null>;
  ci_low: Record<string, number | null>;
  ci_high: Record<string, number | null>;
}
const json = <T,>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;
const foldSummary = (k: number) => join(cvOutdir, `fold_${k}`, "results", "summary.json");

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 36, seed: 5, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("cv(k = 3): each fold trains with its own seed stream fold/k, summary from each fold's best epoch", async () => {
  await runTask("cv", params, { quiet: true });
  const summary = json<CvSummary>(join(cvOutdir, "cv_summary.json"));
  expect(summary.folds.map((f) => f.fold)).toEqual([1, 2, 3]);
  expect(summary.missing_folds).toEqual([]);
  for (const f of summary.folds) {
    const run = json<{ seed: number; fold: number; best_epoch: number }>(foldSummary(f.fold));
    expect(run.seed).toBe(deriveSeed(42, `fold/${f.fold}`));
    expect(run.fold).toBe(f.fold);
    const best = json<{ epoch: number; acc: number; kappa_quadratic: number }>(join(cvOutdir, `fold_${f.fold}`, "results", "metrics", "val_metrics.json"));
    expect(best.epoch).toBe(run.best_epoch);
    expect(f.metrics.accuracy).toBe(best.acc);
    expect(f.metrics.kappa_quadratic).toBe(best.kappa_quadratic);
  }
  expect(new Set(summary.folds.map((f) => f.seed)).size).toBe(3);
  const accs = summary.folds.map((f) => f.metrics.accuracy as number);
  const mean = accs.reduce((a, b) => a + b, 0) / 3;
  expect(summary.mean.accuracy).toBeCloseTo(mean, 12);
  expect(summary.std.accuracy).toBeCloseTo(Math.sqrt(accs.reduce((s, a) => s + (a - mean) ** 2, 0) / 2), 12);
  expect(summary.min.accuracy).toBe(Math.min(...accs));
  expect(summary.max.accuracy).toBe(Math.max(...accs));
  expect(summary.ci_low.accuracy as number).toBeLessThanOrEqual(mean);
});

test("a failed fold is recorded with its error; re-running trains only the missing fold", async () => {
  const kept = [1, 2].map((k) => statSync(foldSummary(k)).mtimeMs);
  // Make fold 3 fail: its run directory path is blocked by a file.
  rmSync(join(cvOutdir, "fold_3"), { recursive: true, force: true });
  writeFileSync(join(cvOutdir, "fold_3"), "not a directory");
  await runTask("cv", params, { quiet: true });
  const broken = json<CvSummary>(join(cvOutdir, "cv_summary.json"));
  expect(broken.folds.map((f) => f.fold)).toEqual([1, 2]);
  expect(broken.missing_folds).toEqual([3]);
  expect(broken.failed_folds[0]?.error).toContain("fold_3");
  rmSync(join(cvOutdir, "fold_3"), { force: true });
  await runTask("cv", params, { quiet: true });
  const fixed = json<CvSummary>(join(cvOutdir, "cv_summary.json"));
  expect(fixed.folds.map((f) => f.fold)).toEqual([1, 2, 3]);
  expect(fixed.missing_folds).toEqual([]);
  expect([1, 2].map((k) => statSync(foldSummary(k)).mtimeMs)).toEqual(kept);
});
