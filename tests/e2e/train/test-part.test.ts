import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePredictions, predictionScorer, pickMetrics } from "../../../lib/aggregate/index.ts";
import { readSplit, splitTest } from "../../../lib/split/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { tinyTraining } from "./tiny-training.ts";

const dir = mkdtempSync(join(tmpdir(), "train-test-part-"));
const { cohort, base: tiny } = tinyTraining(dir);
// The split files give the parts (no --val-frac); each run names its own --csv.
const { valFrac: _valFrac, csv: _csv, ...shared } = tiny;
const base = { ...shared, epochs: 3 };

interface Summary {
  weights_sha256: string;
  best_epoch: number;
  n_test: number;
  val_metrics: Record<string, number | null>;
  test_metrics: Record<string, number | null> | null;
  evaluation: { val: string; test: string | null };
}

const read = <T>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;
let original: string;
let flipped: string;
let testAccessions: string[];
/** The test accession whose label the second run changes, with both labels. */
let changed: { accession: string; from: number; to: number };

/** Splits `csv` with the test part listed in test.csv, then trains on it; returns the run directory. */
async function splitAndTrain(csv: string, name: string): Promise<{ runDir: string; splitPath: string }> {
  const made = await runTask("split", { csv, dicomRoot: base.dicomRoot, seed: 42, valFrac: 0.3, testFromCsv: join(dir, "test.csv"), outdir: join(dir, `split_${name}`) }, { quiet: true });
  const runDir = join(dir, `run_${name}`);
  await runTask("train", { ...base, csv, split: made.path as string, runDir }, { quiet: true });
  return { runDir, splitPath: made.path as string };
}

let a: { runDir: string; splitPath: string };
let b: { runDir: string; splitPath: string };

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 30, seed: 5, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  original = join(cohort, "classificacao.csv");
  const lines = readFileSync(original, "utf8").trim().split("\n");
  const rows = lines.slice(1).map((l) => l.split(","));
  // Every fifth exam is held out as the test part.
  testAccessions = rows.filter((_, i) => i % 5 === 0).map((r) => r[0] as string);
  writeFileSync(join(dir, "test.csv"), `AccessionNumber\n${testAccessions.join("\n")}\n`);
  // The same CSV with one test exam's label moved two classes.
  const row = rows.find((r) => r[0] === testAccessions[0]) as string[];
  const from = Number(row[1]);
  changed = { accession: row[0] as string, from, to: from <= 2 ? from + 2 : from - 2 };
  flipped = join(dir, "flipped.csv");
  writeFileSync(flipped, `${[lines[0], ...rows.map((r) => (r[0] === changed.accession ? [r[0], changed.to, r[2]] : r).join(","))].join("\n")}\n`);
  a = await splitAndTrain(original, "a");
  b = await splitAndTrain(flipped, "b");
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the held-out test part never influences training", () => {
  test("changing a test-set label changes no weight, no validation metric and not the best epoch; only the test metrics move", () => {
    // Same assignment of every image; only the data fingerprint differs (it covers labels).
    const sa = readSplit(a.splitPath);
    const sb = readSplit(b.splitPath);
    expect(sb.split_hash).toBe(sa.split_hash);
    expect(sb.data_fingerprint).not.toBe(sa.data_fingerprint);
    expect(splitTest(sa).map((s) => s.accession)).toContain(changed.accession);

    const ra = read<Summary>(join(a.runDir, "summary.json"));
    const rb = read<Summary>(join(b.runDir, "summary.json"));
    expect(rb.weights_sha256).toBe(ra.weights_sha256);
    expect(rb.best_epoch).toBe(ra.best_epoch);
    expect(rb.val_metrics).toEqual(ra.val_metrics);
    const history = (d: string) => readFileSync(join(d, "train_history.csv"), "utf8").split("\n").map((l) => l.split(",").slice(0, -1).join(","));
    expect(history(b.runDir)).toEqual(history(a.runDir));
    expect(readFileSync(join(b.runDir, "val_predictions.csv"), "utf8")).toBe(readFileSync(join(a.runDir, "val_predictions.csv"), "utf8"));

    // The test evaluation saw the new label: same predictions, other truth.
    const pa = parsePredictions(join(a.runDir, "test_predictions.csv"));
    const pb = parsePredictions(join(b.runDir, "test_predictions.csv"));
    expect(Array.from(pb.yPred)).toEqual(Array.from(pa.yPred));
    expect(Array.from(pb.yTrue)).not.toEqual(Array.from(pa.yTrue));
    const testA = read<Record<string, unknown>>(join(a.runDir, "metrics", "test_metrics.json"));
    const testB = read<Record<string, unknown>>(join(b.runDir, "metrics", "test_metrics.json"));
    expect(testB.confusion_matrix).not.toEqual(testA.confusion_matrix);
  });

  test("train writes metrics/test_metrics.json and test_predictions.csv (val_predictions.csv's columns) for the best epoch", () => {
    const summary = read<Summary>(join(a.runDir, "summary.json"));
    const header = (f: string) => readFileSync(join(a.runDir, f), "utf8").split("\n")[0];
    expect(header("test_predictions.csv")).toBe(header("val_predictions.csv") as string);
    const predictions = parsePredictions(join(a.runDir, "test_predictions.csv"));
    const images = readSplit(a.splitPath).samples.filter((s) => s.fold === "test").length;
    expect(predictions.yTrue.length).toBe(images);
    expect(summary.n_test).toBe(images);
    // The metrics file is the predictions' metrics, at the best epoch.
    const metrics = read<Record<string, unknown> & { epoch: number }>(join(a.runDir, "metrics", "test_metrics.json"));
    expect(metrics.epoch).toBe(summary.best_epoch);
    expect(predictionScorer(predictions)(null)).toEqual(pickMetrics(metrics as never));
    expect(summary.test_metrics?.accuracy).toBe(metrics.acc as number);
    expect(summary.evaluation.val).toContain("optimistic");
    expect(summary.evaluation.test).toContain("never used for training, early stopping or model selection");
  });

  test("aggregate --part test summarises the test metrics of the runs", async () => {
    const result = await runTask("aggregate", { run: [a.runDir], part: "test", bootstrap: 50, outdir: join(dir, "agg") }, { quiet: true });
    const agg = read<{ part: string; metrics: Record<string, { mean: number }> }>(result.path as string);
    expect(agg.part).toBe("test");
    expect(agg.metrics.accuracy?.mean).toBe(read<{ acc: number }>(join(a.runDir, "metrics", "test_metrics.json")).acc);
  });

  test("cv on a k-fold split with a test part: every fold trains without it and evaluates the same test part at the end", async () => {
    const made = await runTask("split", { csv: original, dicomRoot: base.dicomRoot, seed: 42, folds: 2, testFrac: 0.25, outdir: join(dir, "split_k2") }, { quiet: true });
    const split = readSplit(made.path as string);
    const test = splitTest(split);
    const cvOutdir = join(dir, "cv");
    await runTask("cv", { ...base, csv: original, epochs: 1, split: made.path as string, cvFolds: 2, cvOutdir }, { quiet: true });
    const cv = read<{ evaluation: string }>(join(cvOutdir, "cv_summary.json"));
    expect(cv.evaluation).toContain(`held-out test part (${test.length} samples)`);
    for (const k of [1, 2]) {
      const runDir = join(cvOutdir, `fold_${k}`, "results");
      const summary = read<Summary & { n_train: number; n_val: number }>(join(runDir, "summary.json"));
      expect(summary.n_test).toBe(test.length);
      expect(summary.n_train + summary.n_val + summary.n_test).toBe(split.n_samples);
      expect(parsePredictions(join(runDir, "test_predictions.csv")).yTrue.length).toBe(test.length);
    }
  }, 120_000);
});
