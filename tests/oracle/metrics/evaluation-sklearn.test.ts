import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePredictions } from "../../../lib/aggregate/index.ts";
import { runTask } from "../../../lib/task/index.ts";

/**
 * The metrics `train` writes for the held-out test part and `predict` writes per model and for
 * the ensemble, checked against scikit-learn on the prediction files they wrote beside them.
 */
const dir = mkdtempSync(join(tmpdir(), "evaluation-oracle-"));
const cohort = join(dir, "cohort");
const csv = join(cohort, "classificacao.csv");
const dicomRoot = join(cohort, "archive");
const common = { csv, dicomRoot, cacheDir: join(dir, "cache"), arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 2 };

interface Oracle {
  accuracy: number;
  kappa: number | null;
  macro_f1: number;
  auc: number | null;
  bal_acc: number;
  confusion_matrix: number[][];
  report: Record<string, Record<string, number>>;
}

interface Checked {
  name: string;
  metrics: Record<string, unknown>;
  predictions: string;
}

const checked: Checked[] = [];
let oracle: Oracle[];

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 40, seed: 11, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  const split = await runTask("split", { csv, dicomRoot, seed: 42, testFrac: 0.3, outdir: join(dir, "split") }, { quiet: true });
  const runs = [join(dir, "run42"), join(dir, "run43")];
  for (const [i, runDir] of runs.entries()) await runTask("train", { ...common, seed: 42 + i, split: split.path as string, runDir }, { quiet: true });
  for (const runDir of runs) {
    checked.push({ name: `${runDir} test_metrics.json`, metrics: JSON.parse(readFileSync(join(runDir, "metrics", "test_metrics.json"), "utf8")), predictions: join(runDir, "test_predictions.csv") });
  }
  const outdir = join(dir, "predict");
  await runTask("predict", { run: runs, csv, dicomRoot, backend: "wasm", cacheDir: common.cacheDir, bootstrap: 100, outdir }, { quiet: true });
  const m = JSON.parse(readFileSync(join(outdir, "metrics.json"), "utf8")) as { models: { name: string; predictions: string; metrics: Record<string, unknown> }[]; ensemble: { predictions: string; metrics: Record<string, unknown> } };
  for (const model of m.models) checked.push({ name: `predict ${model.name}`, metrics: model.metrics, predictions: model.predictions });
  checked.push({ name: "predict ensemble", metrics: m.ensemble.metrics, predictions: m.ensemble.predictions });

  const input = checked.map((c) => {
    const p = parsePredictions(c.predictions);
    return { y_true: Array.from(p.yTrue), y_pred: Array.from(p.yPred), probs: p.probs.map((row) => Array.from(row)) };
  });
  const proc = Bun.spawnSync(["/usr/bin/python3", join(import.meta.dir, "sklearn-oracle.py")], { stdin: Buffer.from(JSON.stringify(input)) });
  if (proc.exitCode !== 0) throw new Error(`sklearn oracle failed (apt install python3-sklearn): ${proc.stderr.toString()}`);
  oracle = JSON.parse(proc.stdout.toString());
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const close = (actual: unknown, expected: number | null) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThan(1e-12);
};

test("test_metrics.json and predict's metrics.json (each model, the ensemble) equal sklearn on the predictions written beside them", () => {
  expect(checked.length).toBe(5);
  checked.forEach((c, i) => {
    const o = oracle[i] as Oracle;
    try {
      close(c.metrics.acc, o.accuracy);
      close(c.metrics.kappa_quadratic, o.kappa);
      close(c.metrics.macro_f1, o.macro_f1);
      close(c.metrics.auc_ovr, o.auc);
      close(c.metrics.bal_acc, o.bal_acc);
      expect(c.metrics.confusion_matrix).toEqual(o.confusion_matrix);
      for (const k of ["A", "B", "C", "D"]) close((c.metrics.classification_report as Oracle["report"])[k]?.["f1-score"], o.report[k]?.["f1-score"] as number);
    } catch (err) {
      throw new Error(`${c.name}: ${(err as Error).message}`);
    }
  });
});
