import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { runTask, watchMathRandom } from "../../../lib/task/index.ts";
import { readCheckpoint, checkpointPath } from "../../../lib/train/index.ts";
import { readJson, writeArtifact } from "../../../lib/artifacts/index.ts";
import { valMetricsSchema } from "../../../lib/metrics/index.ts";
import { readSplit, splitHash } from "../../../lib/split/index.ts";
import { buildModel } from "../../../lib/models/index.ts";
import { tinyTraining } from "./tiny-training.ts";

const root = join(import.meta.dir, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "train-"));
const { cohort, base } = tinyTraining(dir);

beforeAll(async () => {
  await runTask("synth", { outdir: cohort, accessions: 30, seed: 3, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  seed: number;
  best_epoch: number;
  best_metric: number;
  best_metric_name: string;
  weights_sha256: string;
  final_weights_sha256: string;
  backend: string;
  split_hash: string;
  data_fingerprint: string;
  class_weight_values: number[] | null;
  config: Record<string, unknown>;
  reproducibility: Record<string, unknown>;
  val_metrics: Record<string, number | null>;
  n_val: number;
  task: string;
}

const json = <T,>(path: string) => JSON.parse(readFileSync(path, "utf8")) as T;
const csvRows = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(","));
const train = async (params: Record<string, unknown>) => (await runTask("train", { ...base, ...params }, { quiet: true })).path as string;

let runA = "";

/** A run's val_metrics.json without its envelope. */
const metricsOf = (run: string) => readJson(join(run, "metrics", "val_metrics.json"), valMetricsSchema);

test("runTask('train') twice with one seed: bit-identical best_model weights and val_metrics, without Math.random", async () => {
  const watch = watchMathRandom({ forbid: true });
  try {
    runA = await train({ outdir: join(dir, "a"), gradcamSamples: 2 });
  } finally {
    watch.restore();
  }
  expect(watch.calls).toBe(0);
  const runB = await train({ outdir: join(dir, "b"), gradcamSamples: 2, optunaTrialId: "7", rayTrialName: "t1" });
  expect(runA).toBe(join(dir, "a", "results"));
  const [a, b] = [json<Summary>(join(runA, "summary.json")), json<Summary>(join(runB, "summary.json"))];
  expect(a.weights_sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(b.weights_sha256).toBe(a.weights_sha256);
  expect(b.final_weights_sha256).toBe(a.final_weights_sha256);
  expect(readFileSync(join(runB, "best_model", "weights.bin"))).toEqual(readFileSync(join(runA, "best_model", "weights.bin")));
  // The metrics, not the envelope (its createdAt and params differ between the runs).
  expect(metricsOf(runB)).toEqual(metricsOf(runA));
  expect(readFileSync(join(runB, "val_predictions.csv"), "utf8")).toBe(readFileSync(join(runA, "val_predictions.csv"), "utf8"));
  // HPO outputs of run B.
  const trial = json<{ trial_id: string; objective: number; metrics: Record<string, number> }>(join(runB, "optuna_trial.json"));
  expect(trial.trial_id).toBe("7");
  expect(trial.objective).toBe(b.best_metric);
  expect(Object.keys(trial.metrics).sort()).toEqual(["auc_ovr", "epoch", "kappa_quadratic", "macro_f1", "macro_recall", "val_acc"]);
  const ray = readFileSync(join(runB, "ray_t1.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { epoch: number });
  expect(ray.map((r) => r.epoch)).toEqual([1, 2]);
});

test("train writes the best epoch's val_metrics, predictions and summary, and a loadable best_model", async () => {
  const summary = json<Summary>(join(runA, "summary.json"));
  const metrics = json<Record<string, unknown> & { epoch: number; acc: number; kappa_quadratic: number | null; macro_f1: number; bal_acc: number; auc_ovr: number | null }>(
    join(runA, "metrics", "val_metrics.json"),
  );
  const history = json<Record<string, number | null>[]>(join(runA, "train_history.json"));
  expect(summary.task).toBe("train");
  expect(summary.seed).toBe(42);
  expect(summary.backend).toBe("wasm");
  expect(summary.best_metric_name).toBe("macro_f1");
  expect(summary.config.batch_size).toBe(8);
  expect(summary.config.seed).toBeUndefined();
  expect(summary.config.run_dir).toBeUndefined();
  expect(summary.config.csv).toBeUndefined();
  expect(summary.reproducibility).toHaveProperty("git_commit");
  expect(metrics.epoch).toBe(summary.best_epoch);
  expect(history.map((h) => h.epoch)).toEqual([1, 2]);
  const row = history[summary.best_epoch - 1] as Record<string, number | null>;
  expect([row.val_acc, row.val_kappa, row.val_macro_f1, row.val_bal_acc, row.val_auc]).toEqual([metrics.acc, metrics.kappa_quadratic, metrics.macro_f1, metrics.bal_acc, metrics.auc_ovr]);
  // The best epoch is the first with the highest macro-F1.
  const f1 = history.map((h) => h.val_macro_f1 as number);
  expect(summary.best_epoch).toBe(f1.indexOf(Math.max(...f1)) + 1);
  expect(summary.best_metric).toBe(metrics.macro_f1);
  expect(summary.val_metrics.accuracy).toBe(metrics.acc);
  expect(csvRows(join(runA, "train_history.csv"))[0]).toEqual(["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_auc", "val_kappa", "val_macro_f1", "val_bal_acc", "val_bal_acc_adj", "lr", "seconds"]);
  // Predictions of the best epoch: accuracy recomputed from the file equals val_metrics.acc.
  const [header, ...rows] = csvRows(join(runA, "val_predictions.csv"));
  expect(header).toEqual(["accession", "image_path", "professional_label", "y_true", "y_pred", "p_A", "p_B", "p_C", "p_D", "patient_id"]);
  expect(rows.length).toBe(summary.n_val);
  expect(rows.filter((r) => r[3] === r[4]).length / rows.length).toBe(metrics.acc);
  for (const r of rows) expect(Number(r[2]) - 1).toBe(Number(r[3]));
  // run.log: seed line, class weights, one line per epoch in the reference format.
  const log = readFileSync(join(runA, "run.log"), "utf8");
  expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[INFO\] /m);
  expect(log).toContain("seed: 42");
  expect(log).toContain("class weights: none");
  expect(log).toMatch(/device: backend wasm/);
  expect(log).toMatch(/Epoch 2\/2 \| train_loss \d\.\d{4} \| train_acc \d\.\d{4} \| val_acc \d\.\d{4} \| kappa_q \S+ \| auc_ovr \S+ \| time \d+\.\ds/);
  // best_model/ is a standard tfjs model: load it through tf.loadLayersModel and predict.
  const topology = json<{ modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }>(join(runA, "best_model", "model.json"));
  const weights = new Uint8Array(readFileSync(join(runA, "best_model", "weights.bin")));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topology.modelTopology, weightSpecs: topology.weightsManifest.flatMap((g) => g.weights), weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
  );
  const out = model.predict(tf.zeros([1, 16, 16, 1])) as tf.Tensor;
  expect(out.shape).toEqual([1, 4]);
  tf.dispose(out);
  model.dispose();
  // Grad-CAM of the first two validation images: the overlay named after prediction and label, the
  // input image, and the map at the network's resolution (small-cnn: 16 px / 4 = 4 × 4).
  const cams = readdirSync(join(runA, "gradcam")).sort();
  const names = rows.slice(0, 2).map((r, i) => `gradcam_idx${String(i).padStart(4, "0")}_pred${r[4]}_true${r[3]}`);
  expect(cams).toEqual(names.flatMap((n, i) => [`gradcam_idx${String(i).padStart(4, "0")}_input.png`, `${n}.json`, `${n}.png`]));
  const png = readFileSync(join(runA, "gradcam", `${names[0]}.png`));
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([16, 16]);
  const sidecar = json<{ heatmap: { width: number; height: number; values: number[] }; input_png: string }>(join(runA, "gradcam", `${names[0]}.json`));
  expect([sidecar.heatmap.width, sidecar.heatmap.height, sidecar.heatmap.values.length]).toEqual([4, 4, 16]);
  expect(Math.max(...sidecar.heatmap.values)).toBeLessThanOrEqual(1);
  expect(sidecar.input_png).toBe("gradcam_idx0000_input.png");
});

test("train with another seed gives other weights (here with the weighted sampler and a step schedule)", async () => {
  const run = await train({ outdir: join(dir, "c"), seed: 43, samplerWeighted: true, lrSchedule: "step", lrStepEpochs: 1, lrReduceFactor: 0.5 });
  expect(json<Summary>(join(run, "summary.json")).final_weights_sha256).not.toBe(json<Summary>(join(runA, "summary.json")).final_weights_sha256);
  expect(json<{ lr: number }[]>(join(run, "train_history.json")).map((h) => h.lr)).toEqual([3e-3, 1.5e-3]);
});

test("train 1 epoch, then --resume to 2 epochs: same weights, history and metrics as 2 epochs in one go", async () => {
  const runDir = join(dir, "d", "run");
  await train({ runDir, epochs: 1 });
  expect(readCheckpoint(checkpointPath(runDir)).state.epoch).toBe(1);
  await train({ runDir, epochs: 2, resume: true });
  const [a, d] = [json<Summary>(join(runA, "summary.json")), json<Summary>(join(runDir, "summary.json"))];
  expect(d.final_weights_sha256).toBe(a.final_weights_sha256);
  expect(d.weights_sha256).toBe(a.weights_sha256);
  const strip = (h: Record<string, unknown>[]) => h.map(({ seconds: _s, ...rest }) => rest);
  expect(strip(json(join(runDir, "train_history.json")))).toEqual(strip(json(join(runA, "train_history.json"))));
  expect(metricsOf(runDir)).toEqual(metricsOf(runA));
  // A changed hyperparameter is refused by name.
  await expect(train({ runDir, epochs: 3, resume: true, lr: 0.5 })).rejects.toThrow("--lr is 0.5 here but 0.003");
});

test("kill -9 of a training process mid-run, then the same command with --resume: same weights as an uninterrupted run", async () => {
  const params = { ...base, epochs: 4, runDir: join(dir, "k", "run") };
  const event = join(dir, "k.json");
  await Bun.write(event, JSON.stringify(params));
  const child = Bun.spawn([process.execPath, join(root, "cli", "main.ts"), "train", "--event", event, "--quiet"], { stdout: "ignore", stderr: "ignore" });
  const ckpt = checkpointPath(params.runDir);
  while (!existsSync(ckpt) && child.exitCode === null) await Bun.sleep(10);
  child.kill("SIGKILL");
  await child.exited;
  const killedAt = readCheckpoint(ckpt).state.epoch;
  expect(killedAt).toBeLessThan(4);
  expect(existsSync(join(params.runDir, "summary.json"))).toBe(false);
  await runTask("train", { ...params, resume: true }, { quiet: true });
  const straight = await train({ epochs: 4, outdir: join(dir, "k2") });
  const [k, s] = [json<Summary>(join(params.runDir, "summary.json")), json<Summary>(join(straight, "summary.json"))];
  expect(k.final_weights_sha256).toBe(s.final_weights_sha256);
  expect(k.weights_sha256).toBe(s.weights_sha256);
});

test("--warmup-epochs 1 trains only the head in epoch 1, then the last block too; --class-weights auto is N/(K·n_c)", async () => {
  const runDir = join(dir, "w", "run");
  await train({ runDir, epochs: 1, warmupEpochs: 1, classWeights: "auto" });
  const initial = buildModel(tf, { arch: "small-cnn", imgSize: 16, numClasses: 4, dropout: 0.2, seed: 42 });
  const names = initial.model.layers.flatMap((l) => l.weights.map((w) => w.originalName));
  const start = new Map(initial.model.layers.flatMap((l) => l.weights).map((w) => [w.originalName, [...w.read().dataSync()]]));
  initial.model.dispose();
  const weightsAt = () => new Map(readCheckpoint(checkpointPath(runDir)).weights.map((w, i) => [names[i] as string, [...w.values]]));
  const changed = (after: Map<string, number[]>, name: string) => JSON.stringify(after.get(name)) !== JSON.stringify(start.get(name));
  const afterWarmup = weightsAt();
  for (const name of ["block1_conv/kernel", "block2_conv/kernel", "block3_conv/kernel", "block3_bn/gamma", "block3_bn/beta"]) expect([name, changed(afterWarmup, name)]).toEqual([name, false]);
  for (const name of ["head_dense/kernel", "head_dense/bias"]) expect([name, changed(afterWarmup, name)]).toEqual([name, true]);
  await train({ runDir, epochs: 2, warmupEpochs: 1, classWeights: "auto", resume: true });
  const after = weightsAt();
  for (const name of ["block3_conv/kernel", "block3_bn/gamma", "head_dense/kernel"]) expect([name, changed(after, name)]).toEqual([name, true]);
  for (const name of ["block1_conv/kernel", "block2_conv/kernel", "block2_bn/gamma"]) expect([name, changed(after, name)]).toEqual([name, false]);
  // Class weights: w_c = N / (K · n_c) from the training counts in run.log.
  const log = readFileSync(join(runDir, "run.log"), "utf8");
  const counts = (/train class counts A-D: ([\d, ]+);/.exec(log)?.[1] ?? "").split(", ").map(Number);
  const n = counts.reduce((x, y) => x + y, 0);
  const k = counts.filter((c) => c > 0).length;
  expect(json<Summary>(join(runDir, "summary.json")).class_weight_values).toEqual(counts.map((c) => (c > 0 ? n / (k * c) : 0)));
});

test("train --split with a sample moved across the split stops at the leakage check, before training", async () => {
  const made = await runTask("split", { csv: base.csv, dicomRoot: base.dicomRoot, seed: 42, valFrac: 0.3, outdir: join(dir, "split") }, { quiet: true });
  const split = readSplit(made.path as string);
  // Move one accession of a validation patient who has other accessions, or any validation sample, to train.
  const moved = split.samples.find((s) => s.fold === "val") as (typeof split.samples)[number];
  const partner = split.samples.find((s) => s.fold === "train") as (typeof split.samples)[number];
  const samples = split.samples.map((s) => (s === partner ? { ...s, group: moved.group, patient_id: moved.patient_id } : s));
  const { schemaVersion: _v, task: _t, createdAt: _c, params: _p, inputs: _i, provenance: _pr, ...body } = split;
  const leaky = join(dir, "split", "leaky.json");
  writeArtifact(leaky, { ...body, samples, split_hash: splitHash(samples) }, { task: "split", params: {}, createdAt: new Date(0) });
  const outdir = join(dir, "leak");
  await expect(train({ outdir, split: leaky })).rejects.toThrow("leakage between train and validation");
  expect(existsSync(join(outdir, "results", "checkpoint"))).toBe(false);
});

test("train --split k-fold --fold 2 validates on fold 2 (0-based index 1) and records the fold", async () => {
  const made = await runTask("split", { csv: base.csv, dicomRoot: base.dicomRoot, seed: 42, folds: 3, outdir: join(dir, "split3") }, { quiet: true });
  const split = readSplit(made.path as string);
  const run = await train({ outdir: join(dir, "fold"), split: made.path, fold: 2, epochs: 1 });
  const summary = json<Summary & { fold: number; split_source: string }>(join(run, "summary.json"));
  expect([summary.fold, summary.split_source, summary.split_hash]).toEqual([2, "split.json", split.split_hash]);
  const val = csvRows(join(run, "val_predictions.csv"))
    .slice(1)
    .map((r) => `${r[0]}|${r[1]}`)
    .sort();
  expect(val).toEqual(split.samples.filter((s) => s.fold === 1).map((s) => `${s.accession}|${s.image_path}`).sort());
  await expect(train({ outdir: join(dir, "fold"), split: made.path })).rejects.toThrow("is a 3-fold split: pass --fold 1..3");
});

test("train --embeddings-dir fuses each accession's mean embedding as a second model input", async () => {
  const { readCsv } = await import("../../../lib/dataset/index.ts");
  const accessions = readCsv(base.csv).rows.map((r) => r.values.AccessionNumber as string);
  const embDir = join(dir, "emb");
  const dim = 6;
  // features.npy: one row per accession, float32, version 1.0 header padded to 64 bytes.
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${accessions.length}, ${dim}), }`;
  header = header.padEnd(64 - 10 - 1, " ") + "\n";
  const values = new Float32Array(accessions.length * dim).map((_, i) => (i % 7) / 7);
  const npy = new Uint8Array(10 + header.length + values.byteLength);
  npy.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(npy.buffer).setUint16(8, header.length, true);
  npy.set(new TextEncoder().encode(header), 10);
  npy.set(new Uint8Array(values.buffer), 10 + header.length);
  await Bun.write(join(embDir, "features.npy"), npy);
  await Bun.write(join(embDir, "metadata.csv"), `idx,AccessionNumber,Classification,dicom_path\n${accessions.map((a, i) => `${i},${a},1,x.dcm`).join("\n")}\n`);
  const run = await train({ outdir: join(dir, "embrun"), embeddingsDir: embDir, epochs: 1, gradcamSamples: 1 });
  const model = json<{ modelTopology: { config: { input_layers: [string, number, number][] } } }>(join(run, "best_model", "model.json"));
  expect(model.modelTopology.config.input_layers.map((l) => l[0])).toEqual(["image", "embedding"]);
  expect(readdirSync(join(run, "gradcam")).filter((f) => /_pred\d_true\d\.png$/.test(f)).length).toBe(1);
});

test("chooseSplit with subset 6 keeps 6 groups, split by group with no leak", async () => {
  const { loadDataset } = await import("../../../lib/dataset/index.ts");
  const { chooseSplit } = await import("../../../lib/train/index.ts");
  const dataset = await loadDataset({ csv: base.csv, dicomRoot: base.dicomRoot });
  const quiet = { info() {}, warn() {} };
  const split = chooseSplit(dataset, { valFrac: 0.3, seed: 42, subset: 6 }, quiet);
  expect(split.subset?.groups).toBe(6);
  const groupsOf = (s: typeof split.train) => new Set(s.map((x) => x.patientId ?? x.accession));
  expect(groupsOf(split.train).size + groupsOf(split.val).size).toBe(6);
  expect([...groupsOf(split.train)].filter((g) => groupsOf(split.val).has(g))).toEqual([]);
  expect(chooseSplit(dataset, { valFrac: 0.3, seed: 42, subset: 6 }, quiet).splitHash).toBe(split.splitHash);
  expect(chooseSplit(dataset, { valFrac: 0.3, seed: 43, subset: 6 }, quiet).splitHash).not.toBe(split.splitHash);
});
