import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { buildModel, loadPretrained, saveModelTo, torchvisionParam, weightsSha256 } from "../../../lib/models/index.ts";
import { permuteAxes } from "../../../lib/models/torch-file/index.ts";
import { f32, pthFile, safetensorsFile, stateDictPickle } from "../../unit/models/torch-writer.ts";

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

describe("loadPretrained with torchvision checkpoints", () => {
  /** `model`'s weights as a torchvision state dict (torch layouts), e.g. to write a checkpoint of it. */
  function torchTensors(model: tf.LayersModel, rename: (key: string) => string | null = (k) => k) {
    const out: { name: string; shape: number[]; values: Float32Array }[] = [];
    for (const w of model.weights) {
      const param = torchvisionParam(w.originalName, w.shape.length)!;
      const name = rename(param.key);
      if (name === null) continue;
      const values = w.read().dataSync() as Float32Array;
      if (param.perm === null) out.push({ name, shape: [...w.shape] as number[], values });
      else {
        const inverse = param.perm.map((_, j) => param.perm!.indexOf(j));
        const t = permuteAxes(values, w.shape as number[], inverse);
        out.push({ name, shape: t.shape, values: t.values });
      }
    }
    return out;
  }
  function writeSafetensors(path: string, tensors: ReturnType<typeof torchTensors>) {
    writeFileSync(path, safetensorsFile(tensors.map((t) => ({ name: t.name, dtype: "F32", shape: t.shape, data: f32(t.values) }))));
  }
  function writePth(path: string, tensors: ReturnType<typeof torchTensors>) {
    const specs = tensors.map((t, i) => ({ name: t.name, key: String(i), shape: t.shape }));
    const numel = Object.fromEntries(tensors.map((t, i) => [String(i), t.values.length]));
    const storages = Object.fromEntries(tensors.map((t, i) => [String(i), f32(t.values)]));
    writeFileSync(path, pthFile(stateDictPickle(specs, numel), storages));
  }
  const tv = (seed: number, numClasses = 4) => buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, numClasses, seed }).model;
  const error = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      return err as TaskError;
    }
    throw new Error("expected an error");
  };

  test("a .pth and a .safetensors of a model's state dict load every layer into another seed's model, bit for bit", async () => {
    const source = tv(1);
    writePth(join(dir, "tv.pth"), torchTensors(source));
    writeSafetensors(join(dir, "tv.safetensors"), torchTensors(source));
    for (const [file, format] of [["tv.pth", "pth"], ["tv.safetensors", "safetensors"]] as const) {
      const target = tv(2);
      const report = await loadPretrained(target, join(dir, file));
      expect(report.format).toBe(format);
      expect(report.matched).toHaveLength(target.layers.filter((l) => l.weights.length > 0).length);
      expect(report).toMatchObject({ missing: [], shapeMismatch: [], adapted: [], unused: [] });
      expect(weightsSha256(target)).toBe(weightsSha256(source));
      target.dispose();
    }
    source.dispose();
  }, 60_000);

  test("ImageNet's 1000-class classifier is reported and the 4-class head keeps its initial weights", async () => {
    const imagenet = tv(1, 1000);
    writeSafetensors(join(dir, "imagenet.safetensors"), torchTensors(imagenet));
    const target = tv(2);
    const head = target.getLayer("head_dense").getWeights()[0]!.dataSync().slice();
    const report = await loadPretrained(target, join(dir, "imagenet.safetensors"));
    expect(report.shapeMismatch).toEqual([{ layer: "head_dense", expected: [1280, 4], got: [1280, 1000] }, { layer: "head_dense", expected: [4], got: [1000] }]);
    expect(report.unused).toEqual(["classifier.1.weight", "classifier.1.bias"]);
    expect(report.matched).not.toContain("head_dense");
    expect(Array.from(target.getLayer("head_dense").getWeights()[0]!.dataSync())).toEqual(Array.from(head));
    expect(Array.from(target.getLayer("features.0.0").getWeights()[0]!.dataSync())).toEqual(Array.from(imagenet.getLayer("features.0.0").getWeights()[0]!.dataSync()));
    imagenet.dispose();
    target.dispose();
  }, 60_000);

  test("refuses a checkpoint missing a backbone tensor or holding extra blocks (another EfficientNet), naming them", async () => {
    const source = tv(1);
    writeSafetensors(join(dir, "missing.safetensors"), torchTensors(source, (k) => (k === "features.3.1.block.1.0.weight" ? null : k)));
    const target = tv(2);
    const before = weightsSha256(target);
    const missing = await error(loadPretrained(target, join(dir, "missing.safetensors")));
    expect(missing.code).toBe("pretrained_mismatch");
    expect(missing.message).toContain("not torchvision's EfficientNet-B0 (1 problem): features.3.1.block.1.0.weight missing");
    // B1 has B0's widths and one more block per stage: its extra tensors must not be silently dropped.
    const extra = [...torchTensors(source), { name: "features.2.2.block.0.0.weight", shape: [144, 24, 1, 1], values: new Float32Array(144 * 24) }];
    writeSafetensors(join(dir, "b1.safetensors"), extra);
    expect((await error(loadPretrained(target, join(dir, "b1.safetensors")))).message).toContain("1 tensors EfficientNet-B0 has no place for (features.2.2.block.0.0.weight)");
    const narrow = torchTensors(source).map((t) => (t.name === "features.0.0.weight" ? { ...t, shape: [32, 1, 3, 3], values: t.values.slice(0, 288) } : t));
    writeSafetensors(join(dir, "narrow.safetensors"), narrow);
    expect((await error(loadPretrained(target, join(dir, "narrow.safetensors")))).message).toContain("features.0.0.weight has shape [32, 1, 3, 3] (the model needs [32, 3, 3, 3])");
    expect(weightsSha256(target)).toBe(before);
    source.dispose();
    target.dispose();
  }, 60_000);

  test("names the --arch a file or directory needs", async () => {
    const keras = buildModel(tf, { arch: "efficientnet-b0", imgSize: 32, seed: 1 }).model;
    const wrongArch = await error(loadPretrained(keras, join(dir, "tv.safetensors")));
    expect(wrongArch.code).toBe("pretrained_arch");
    expect(wrongArch.message).toContain("holds PyTorch weights (safetensors); they load into --arch efficientnet-b0-torchvision");
    keras.dispose();
    const target = tv(2);
    expect((await error(loadPretrained(target, join(dir, "same")))).message).toContain("is a tfjs/Keras weights directory; efficientnet-b0-torchvision loads a torchvision checkpoint file");
    expect((await error(loadPretrained(target, join(dir, "nope.pth")))).message).toBe(`--pretrained ${join(dir, "nope.pth")}: no such file or directory`);
    target.dispose();
  }, 60_000);
});
