import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { buildModel, torchvisionParam } from "../../../lib/models/index.ts";
import { permuteAxes } from "../../../lib/models/torch-file/index.ts";
import { runTask } from "../../../lib/task/index.ts";
import { f32, safetensorsFile } from "../../unit/models/torch-writer.ts";

const dir = mkdtempSync(join(tmpdir(), "models-train-pretrained-"));
const cohort = join(dir, "cohort");
const checkpoint = join(dir, "efficientnet_b0_rwightman-test.safetensors");

beforeAll(async () => {
  await initBackend("wasm");
  await runTask("synth", { outdir: cohort, accessions: 16, seed: 3, imageSize: 32, encodings: ["explicit-le"] }, { quiet: true });
  // An "ImageNet" checkpoint: a seeded torchvision-layout model with a 1000-class classifier, in torch's layouts.
  const source = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, numClasses: 1000, seed: 9 }).model;
  const tensors = source.weights.map((w) => {
    const param = torchvisionParam(w.originalName, w.shape.length)!;
    const values = w.read().dataSync() as Float32Array;
    const t = param.perm ? permuteAxes(values, w.shape as number[], param.perm.map((_, j) => param.perm!.indexOf(j))) : { values, shape: w.shape as number[] };
    return { name: param.key, dtype: "F32", shape: t.shape, data: f32(t.values) };
  });
  writeFileSync(checkpoint, safetensorsFile(tensors));
  source.dispose();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const params = {
  csv: join(cohort, "classificacao.csv"),
  dicomRoot: join(cohort, "archive"),
  cacheDir: join(dir, "cache"),
  backend: "wasm",
  imgSize: 32,
  batchSize: 4,
  epochs: 1,
  valFrac: 0.3,
  seed: 42,
  pretrained: checkpoint,
};

test("runTask('train', {arch: 'efficientnet-b0-torchvision', pretrained: <torchvision checkpoint>}) loads the backbone and trains", async () => {
  const result = await runTask("train", { ...params, arch: "efficientnet-b0-torchvision", outdir: join(dir, "runs") }, { quiet: true });
  const runDir = result.path as string;
  expect(existsSync(join(runDir, "summary.json"))).toBe(true);
  const log = readFileSync(join(runDir, "run.log"), "utf8");
  // 130 backbone layers (81 convs, 49 batch norms) load; the 1000-class classifier does not fit the 4-class head.
  expect(log).toContain(`pretrained weights from ${checkpoint}: 130 layers loaded (0 adapted to 1 channel), 0 missing, 2 with another shape`);
  // The checkpoint is an input of the run: its SHA-256 is recorded like the data's.
  const summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as { inputs: Record<string, string>; data_hashes: Record<string, string> };
  const sha = new Bun.CryptoHasher("sha256").update(readFileSync(checkpoint)).digest("hex");
  expect(summary.inputs[checkpoint]).toBe(sha);
  expect(summary.data_hashes.pretrained).toMatch(/^[0-9a-f]{64}$/);
}, 240_000);

test("runTask('train') with a torchvision checkpoint and the Keras-layout arch is a usage error naming the arch", async () => {
  let err: unknown;
  try {
    await runTask("train", { ...params, arch: "efficientnet-b0", outdir: join(dir, "keras") }, { quiet: true });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TaskError);
  expect((err as TaskError).exitCode).toBe(2);
  expect((err as TaskError).message).toContain("they load into --arch efficientnet-b0-torchvision");
}, 120_000);
