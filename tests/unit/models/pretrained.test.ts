import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { buildModel, loadPretrained, saveModelTo, weightsSha256 } from "../../../lib/models/index.ts";

const dir = mkdtempSync(join(tmpdir(), "models-pretrained-"));
const WEIGHTED = ["block1_conv", "block1_bn", "block2_conv", "block2_bn", "block3_conv", "block3_bn", "head_dense"];
beforeAll(async () => {
  await initBackend("wasm");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("loadPretrained loads every layer by name from a saved model of the same architecture", async () => {
  const source = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 1 }).model;
  await saveModelTo(source, join(dir, "same"));
  const target = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 2 }).model;
  const report = await loadPretrained(target, join(dir, "same"));
  expect(report).toEqual({ format: "tfjs", matched: WEIGHTED, missing: [], shapeMismatch: [], adapted: [] });
  expect(weightsSha256(target)).toBe(weightsSha256(source));
  source.dispose();
  target.dispose();
});

test("loadPretrained reports a head of another width as a shape mismatch and leaves it as initialised", async () => {
  const source = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 1 }).model;
  await saveModelTo(source, join(dir, "narrow-head"));
  const target = buildModel(tf, { arch: "small-cnn", imgSize: 16, embeddingDim: 5, seed: 2 }).model;
  const before = target.getLayer("head_dense").getWeights()[0]!.dataSync().slice();
  const report = await loadPretrained(target, join(dir, "narrow-head"));
  expect(report.matched).toEqual(WEIGHTED.slice(0, -1));
  expect(report.shapeMismatch).toEqual([{ layer: "head_dense", expected: [69, 4], got: [64, 4] }]);
  expect(Array.from(target.getLayer("head_dense").getWeights()[0]!.dataSync())).toEqual(Array.from(before));
  source.dispose();
  target.dispose();
});

test("loadPretrained sums a 3-channel first kernel over its input channels for a 1-channel model", async () => {
  const rgb = buildModel(tf, { arch: "small-cnn", imgSize: 16, inChannels: 3, seed: 1 }).model;
  await saveModelTo(rgb, join(dir, "rgb"));
  const grey = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 2 }).model;
  const report = await loadPretrained(grey, join(dir, "rgb"));
  expect(report.adapted).toEqual(["block1_conv"]);
  expect(report.matched).toEqual(WEIGHTED);
  const rgbKernel = rgb.getLayer("block1_conv").getWeights()[0]!.dataSync(); // [3, 3, 3, 16]
  const greyKernel = grey.getLayer("block1_conv").getWeights()[0]!.dataSync(); // [3, 3, 1, 16]
  // Tap (0, 0), output channel 5: the sum of the three input channels' weights.
  expect(greyKernel[5]).toBeCloseTo(rgbKernel[5]! + rgbKernel[16 + 5]! + rgbKernel[32 + 5]!, 6);
  rgb.dispose();
  grey.dispose();
});

test("loadPretrained matches converter-prefixed names and lists layers absent from the file as missing", async () => {
  // A hand-written manifest: one layer's kernel under a model-name prefix, as converters write it.
  const kernel = Float32Array.from({ length: 3 * 3 * 1 * 16 }, (_, i) => i / 100);
  const out = join(dir, "prefixed");
  mkdirSync(out);
  writeFileSync(join(out, "weights.bin"), new Uint8Array(kernel.buffer));
  writeFileSync(join(out, "model.json"), JSON.stringify({
    modelTopology: {},
    weightsManifest: [{ paths: ["weights.bin"], weights: [{ name: "efficientnetb0/block1_conv/kernel", shape: [3, 3, 1, 16], dtype: "float32" }] }],
  }));
  const target = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 2 }).model;
  const report = await loadPretrained(target, out);
  expect(report.matched).toEqual(["block1_conv"]);
  expect(report.missing).toEqual(WEIGHTED.slice(1));
  expect(target.getLayer("block1_conv").getWeights()[0]!.dataSync()[7]).toBeCloseTo(0.07, 6);
  target.dispose();
});
