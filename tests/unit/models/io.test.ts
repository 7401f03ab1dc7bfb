import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { sha256 } from "../../../lib/artifacts/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { buildModel, loadModelFrom, saveModelTo, SeededDropout, weightsSha256 } from "../../../lib/models/index.ts";

const dir = mkdtempSync(join(tmpdir(), "models-io-"));
beforeAll(async () => {
  await initBackend("wasm");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("saveModelTo writes model.json + weights.bin that loadModelFrom reads back to the same weights and outputs", async () => {
  const { model } = buildModel(tf, { arch: "small-cnn", imgSize: 16, embeddingDim: 3, seed: 5 });
  const out = join(dir, "roundtrip");
  await saveModelTo(model, out);
  expect(readdirSync(out).sort()).toEqual(["model.json", "weights.bin"]);
  const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
  expect(json.format).toBe("layers-model");
  expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
  expect(json.userDefinedMetadata.weightsSha256).toBe(sha256(readFileSync(join(out, "weights.bin"))));

  const loaded = await loadModelFrom(tf, out);
  expect(weightsSha256(loaded)).toBe(weightsSha256(model));
  expect(loaded.getLayer("head_dropout")).toBeInstanceOf(SeededDropout);
  const inputs = [tf.randomUniform([2, 16, 16, 1], 0, 1, "float32", 3), tf.randomUniform([2, 3], 0, 1, "float32", 4)];
  const a = (model.predict(inputs) as tf.Tensor).dataSync();
  const b = (loaded.predict(inputs) as tf.Tensor).dataSync();
  expect(Array.from(b)).toEqual(Array.from(a));
  model.dispose();
  loaded.dispose();
});

test("saveModelTo writes the same bytes for the same model", async () => {
  const { model } = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 6 });
  await saveModelTo(model, join(dir, "a"));
  await saveModelTo(model, join(dir, "b"));
  for (const file of ["model.json", "weights.bin"]) {
    expect(readFileSync(join(dir, "a", file)).equals(readFileSync(join(dir, "b", file)))).toBe(true);
  }
  model.dispose();
});

test("loadModelFrom refuses truncated or foreign weights, naming the file", async () => {
  const { model } = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 7 });
  const out = join(dir, "broken");
  await saveModelTo(model, out);
  const weights = join(out, "weights.bin");
  const bytes = readFileSync(weights);
  const flipped = Buffer.from(bytes);
  flipped[0] = flipped[0]! ^ 0xff;
  writeFileSync(weights, flipped);
  const foreign = await loadModelFrom(tf, out).catch((e: unknown) => e);
  expect(foreign).toBeInstanceOf(TaskError);
  expect((foreign as TaskError).message).toContain("do not match the SHA-256");
  truncateSync(weights, bytes.length - 4);
  const truncated = await loadModelFrom(tf, out).catch((e: unknown) => e);
  expect((truncated as TaskError).message).toBe(`weights of ${join(out, "model.json")}: ${bytes.length - 4} bytes on disk, the manifest needs ${bytes.length}`);
  const missing = await loadModelFrom(tf, join(dir, "nowhere")).catch((e: unknown) => e);
  expect((missing as TaskError).message).toBe(`missing model: ${join(dir, "nowhere", "model.json")}`);
  model.dispose();
});

test("weightsSha256 changes when a single weight value changes, and ignores tfjs's per-process variable renaming", () => {
  const first = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 8 }).model;
  const second = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 8 }).model;
  expect(second.weights[0]!.name).not.toBe(first.weights[0]!.name); // tfjs made the names unique
  expect(weightsSha256(second)).toBe(weightsSha256(first));
  const bias = second.getLayer("head_dense").getWeights()[1]!;
  second.getLayer("head_dense").setWeights([second.getLayer("head_dense").getWeights()[0]!, bias.add(tf.tensor1d([0, 0, 0, 1e-6]))]);
  expect(weightsSha256(second)).not.toBe(weightsSha256(first));
  first.dispose();
  second.dispose();
});
