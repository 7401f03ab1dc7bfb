import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePredictions, pickMetrics, predictionScorer } from "../../../lib/aggregate/index.ts";
import { readCsv } from "../../../lib/dataset/csv.ts";
import { runTask } from "../../../lib/task/index.ts";

const dir = mkdtempSync(join(tmpdir(), "predict-"));
const cohort = join(dir, "cohort");
const csv = join(cohort, "classificacao.csv");
const dicomRoot = join(cohort, "archive");
const train = { csv, dicomRoot, cacheDir: join(dir, "cache"), arch: "small-cnn", backend: "wasm", imgSize: 16, batchSize: 8, epochs: 1, valFrac: 0.3 };
const runs = { a: join(dir, "run_a"), b: join(dir, "run_b"), big: join(dir, "run_big") };

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 30, seed: 7, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  await runTask("train", { ...train, seed: 42, runDir: runs.a }, { quiet: true });
  await runTask("train", { ...train, seed: 43, runDir: runs.b }, { quiet: true });
  await runTask("train", { ...train, seed: 44, imgSize: 20, runDir: runs.big }, { quiet: true });
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const predict = (params: Record<string, unknown>) => runTask("predict", { csv, dicomRoot, backend: "wasm", cacheDir: join(dir, "cache"), bootstrap: 200, ...params }, { quiet: true });
const csvRows = (path: string) => readCsv(path).rows.map((r) => r.values);

interface Metrics {
  n_images: number;
  preprocessing: Record<string, unknown>;
  bootstrap: { resamples: number; unit: string };
  models: { name: string; run: string; predictions: string; metrics: Record<string, unknown>; intervals: Record<string, Record<string, number | null>> }[];
  ensemble: { members: string[]; metrics: Record<string, unknown>; intervals: Record<string, Record<string, number | null>> } | null;
  gradcam: string[];
}

describe("predict --run DIR --csv C --dicom-root R --outdir O", () => {
  test("writes O/predictions.csv with val_predictions.csv's columns; on the run's own validation images it reproduces its probabilities", async () => {
    const outdir = join(dir, "p_a");
    const result = await predict({ run: [runs.a], outdir });
    expect(result.path).toBe(join(outdir, "predictions.csv"));
    const header = (p: string) => readFileSync(p, "utf8").split("\n")[0];
    expect(header(join(outdir, "predictions.csv"))).toBe(header(join(runs.a, "val_predictions.csv")) as string);
    const predicted = new Map(csvRows(join(outdir, "predictions.csv")).map((r) => [r.image_path, r]));
    const val = csvRows(join(runs.a, "val_predictions.csv"));
    expect(val.length).toBeGreaterThan(0);
    for (const row of val) {
      const p = predicted.get(row.image_path);
      expect(p).toBeDefined();
      for (const c of ["p_A", "p_B", "p_C", "p_D"]) expect(Math.abs(Number(p?.[c]) - Number(row[c]))).toBeLessThan(1e-6);
      expect([p?.y_true, p?.y_pred, p?.professional_label]).toEqual([row.y_true, row.y_pred, row.professional_label]);
    }
  });

  test("with labels, O/metrics.json holds the model's metrics (as recomputed from predictions.csv), its confusion matrix and patient-bootstrap intervals", async () => {
    const outdir = join(dir, "p_metrics");
    await predict({ run: [runs.a], outdir, bootstrap: 5000 });
    const m = JSON.parse(readFileSync(join(outdir, "metrics.json"), "utf8")) as Metrics;
    expect(m.bootstrap).toMatchObject({ resamples: 5000, unit: "patient" });
    expect(m.ensemble).toBeNull();
    const model = m.models[0]!;
    expect(model.run).toBe(runs.a);
    const predictions = parsePredictions(join(outdir, "predictions.csv"));
    expect(m.n_images).toBe(predictions.yTrue.length);
    expect(pickMetrics(model.metrics as never)).toEqual(predictionScorer(predictions)(null)!);
    const cm = model.metrics.confusion_matrix as number[][];
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(m.n_images);
    const acc = model.intervals.accuracy!;
    expect(acc.estimate).toBe(model.metrics.acc as number);
    expect(acc.low!).toBeLessThanOrEqual(acc.estimate!);
    expect(acc.high!).toBeGreaterThanOrEqual(acc.estimate!);
    expect(acc.bca_low).not.toBeNull();
    expect(acc.undefined_resamples).toBe(0);
    expect(model.intervals.auc_ovr!.undefined_resamples).toBeGreaterThanOrEqual(0);
  });

  test("several runs: predictions.csv is the ensemble (mean probabilities), each model keeps its own file, metrics for each and the ensemble", async () => {
    const outdir = join(dir, "p_ens");
    await predict({ run: [runs.a, runs.b], outdir });
    const ens = csvRows(join(outdir, "predictions.csv"));
    const one = csvRows(join(outdir, "predictions_model_1.csv"));
    const two = csvRows(join(outdir, "predictions_model_2.csv"));
    ens.forEach((row, i) => {
      const probs = ["p_A", "p_B", "p_C", "p_D"].map((c) => (Number(one[i]?.[c]) + Number(two[i]?.[c])) / 2);
      probs.forEach((p, c) => expect(Number(row[["p_A", "p_B", "p_C", "p_D"][c] as string])).toBeCloseTo(p, 12));
      expect(Number(row.y_pred)).toBe(probs.indexOf(Math.max(...probs)));
    });
    const m = JSON.parse(readFileSync(join(outdir, "metrics.json"), "utf8")) as Metrics;
    expect(m.models.map((x) => x.name)).toEqual(["model_1", "model_2"]);
    expect(m.ensemble?.members).toEqual(["model_1", "model_2"]);
    expect(pickMetrics(m.ensemble!.metrics as never)).toEqual(predictionScorer(parsePredictions(join(outdir, "predictions.csv")))(null)!);
  });

  test("an unlabelled list of accessions gives predictions only: empty y_true, no metrics.json", async () => {
    const list = join(dir, "unlabelled.csv");
    const accessions = readCsv(csv).rows.slice(0, 5).map((r) => r.values.AccessionNumber);
    writeFileSync(list, `AccessionNumber\n${accessions.join("\n")}\n`);
    const outdir = join(dir, "p_unlabelled");
    const result = await predict({ run: [runs.a], csv: list, outdir });
    expect(result.labelled).toBe(false);
    const rows = csvRows(join(outdir, "predictions.csv"));
    expect(rows.map((r) => r.accession)).toEqual(accessions as string[]);
    expect(rows.every((r) => r.y_true === "" && r.professional_label === "" && /^[0-3]$/.test(r.y_pred ?? ""))).toBe(true);
    expect(existsSync(join(outdir, "metrics.json"))).toBe(false);
  });

  test("--gradcam ACC draws an overlay of each of its images with each model; an unknown accession is refused", async () => {
    const accession = readCsv(csv).rows[0]!.values.AccessionNumber as string;
    const outdir = join(dir, "p_cam");
    await predict({ run: [runs.a, runs.b], outdir, gradcam: [accession], bootstrap: 0 });
    for (const model of ["model_1", "model_2"]) {
      const files = readdirSync(join(outdir, "gradcam", model));
      expect(files.length).toBe(1);
      expect(files[0]).toMatch(new RegExp(`^gradcam_${accession}_0_pred[0-3]_true[0-3]\\.png$`));
      expect(readFileSync(join(outdir, "gradcam", model, files[0]!)).subarray(1, 4).toString()).toBe("PNG");
    }
    await expect(predict({ run: [runs.a], outdir: join(dir, "x"), gradcam: ["nope"] })).rejects.toThrow("--gradcam nope: no such accession");
  });
});

describe("predict refuses a model whose preprocessing differs from what it is given, naming the field", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["another image size", { imgSize: 32 }, 'trained with img_size 16, predict was given img_size 32 (--img-size)'],
    ["another window", { window: "voi" }, 'trained with window "percentile", predict was given window "voi" (--window)'],
    ["another channel count", { channels: 3 }, "trained with channels 1, predict was given channels 3 (--channels)"],
  ];
  for (const [what, params, message] of cases) {
    test(`predict with ${what}`, async () => {
      await expect(predict({ run: [runs.a], outdir: join(dir, "refused"), ...params })).rejects.toThrow(message);
    });
  }

  test("an ensemble of models trained at different image sizes is refused naming img_size and both runs", async () => {
    const err = (await predict({ run: [runs.a, runs.big], outdir: join(dir, "refused") }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`--run ${runs.big}: img_size 20 differs from 16 of --run ${runs.a}`);
  });

  test("a directory that is not a finished run is refused", async () => {
    await expect(predict({ run: [join(dir, "cohort")], outdir: join(dir, "refused") })).rejects.toThrow("not a finished training run");
  });
});
