import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { nativeBuilt } from "../../../lib/backend/native/index.ts";
import { buildModel, ImageNetInput, loadModelFrom, saveModelTo, setDropoutStep, StochasticDepth, TorchBatchNorm, torchvisionParam, weightsSha256, type BuiltModel } from "../../../lib/models/index.ts";
import { watchMathRandom } from "../../../lib/task/index.ts";

const count = (weights: tf.LayerVariable[]) => weights.reduce((n, w) => n + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
const dir = mkdtempSync(join(tmpdir(), "models-torchvision-"));

let tv: BuiltModel;
beforeAll(async () => {
  await initBackend("wasm");
  tv = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, seed: 42 });
});
afterAll(() => {
  tv.model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("buildModel efficientnet-b0-torchvision", () => {
  test("with 3 channels and 1000 classes it has torchvision's 5,288,548 trainable parameters", () => {
    const rgb = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, inChannels: 3, numClasses: 1000, seed: 1 });
    expect(count(rgb.model.trainableWeights)).toBe(5_288_548);
    rgb.model.dispose();
  });

  // The grey image is repeated to 3 channels, so the stem keeps torchvision's [32, 3, 3, 3]:
  // features 4,007,548 + a 4-class head 1280·4 + 4 = 4,012,672.
  test("for 1 channel and 4 classes it keeps the 3-channel stem: 4,012,672 trainable parameters", () => {
    expect(count(tv.model.trainableWeights)).toBe(4_012_672);
    expect(count(tv.model.nonTrainableWeights)).toBe(42_016);
    expect(tv.model.getLayer("features.0.0").getWeights()[0]!.shape).toEqual([3, 3, 3, 32]);
  });

  // torchvision's efficientnet_b0().state_dict() has 360 keys, 49 of them num_batches_tracked.
  test("every weight maps to one of the 311 tensors of torchvision's state dict, first and last keys as torchvision lists them", () => {
    const keys = tv.model.weights.map((w) => torchvisionParam(w.originalName, w.shape.length)?.key);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(311);
    const ordered = tv.model.layers.flatMap((l) => l.weights.map((w) => torchvisionParam(w.originalName, w.shape.length)!.key));
    expect(ordered.slice(0, 5)).toEqual(["features.0.0.weight", "features.0.1.weight", "features.0.1.bias", "features.0.1.running_mean", "features.0.1.running_var"]);
    expect(ordered.slice(-6)).toEqual(["features.8.1.weight", "features.8.1.bias", "features.8.1.running_mean", "features.8.1.running_var", "classifier.1.weight", "classifier.1.bias"]);
    expect(tv.model.getLayer("features.2.0.block.1.0").getWeights()[0]!.shape).toEqual([3, 3, 96, 1]); // depthwise, torch [96, 1, 3, 3]
    expect(tv.model.getLayer("features.2.0.block.2.fc1").getWeights()[0]!.shape).toEqual([1, 1, 96, 4]); // SE to max(1, 16 / 4)
  });

  test("keeps the reference's head and torchvision's features[-2:] as the last block", () => {
    expect(tv.headLayers).toEqual(["avg_pool", "head_dropout", "head_dense"]);
    expect(tv.lastBlockLayers[0]).toBe("features.7.0.block.0.0");
    expect(tv.lastBlockLayers.slice(-3)).toEqual(["features.8.0", "features.8.1", "features.8.2"]);
    expect(tv.gradcamLayer).toBe("features.8.2");
    expect(tv.backboneLayers[0]).toBe("imagenet_input");
    expect(tv.model.getLayer("features.8.2").outputShape).toEqual([null, 1, 1, 1280]);
  });

  // torchvision: stochastic_depth_prob 0.2 · block index / 16, on the residual blocks (indices 2, 4, 6, 7, 9, 10, 12, 13, 14).
  test("puts stochastic depth on the 9 residual blocks with torchvision's rates 0.2·k/16", () => {
    const layers = tv.model.layers.filter((l): l is StochasticDepth => l instanceof StochasticDepth);
    expect(layers.map((l) => l.name)).toEqual(["2.1", "3.1", "4.1", "4.2", "5.1", "5.2", "6.1", "6.2", "6.3"].map((b) => `features.${b}.stochastic_depth`));
    expect(layers.map((l) => l.rate)).toEqual([2, 4, 6, 7, 9, 10, 12, 13, 14].map((k) => (0.2 * k) / 16));
  });

  test("the same seed gives identical weights and Math.random is never called", () => {
    const watch = watchMathRandom();
    let again: BuiltModel;
    try {
      again = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, seed: 42 });
    } finally {
      watch.restore();
    }
    expect(watch.calls).toBe(0);
    expect(weightsSha256(again.model)).toBe(weightsSha256(tv.model));
    again.model.dispose();
  });

  test("saveModelTo / loadModelFrom round-trip its custom layers with the same outputs", async () => {
    await saveModelTo(tv.model, join(dir, "tv"));
    const loaded = await loadModelFrom(tf, join(dir, "tv"));
    expect(loaded.getLayer("features.0.1")).toBeInstanceOf(TorchBatchNorm);
    expect(loaded.getLayer("features.2.1.stochastic_depth")).toBeInstanceOf(StochasticDepth);
    const x = tf.randomUniform([2, 32, 32, 1], 0, 1, "float32", 9);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((tv.model.predict(x) as tf.Tensor).dataSync()));
    loaded.dispose();
  });
});

test("ImageNetInput repeats a grey value to 3 channels and applies ImageNet's mean and std", () => {
  const out = new ImageNetInput({}).apply(tf.fill([1, 1, 1, 1], 0.5)) as tf.Tensor;
  expect(out.shape).toEqual([1, 1, 1, 3]);
  const v = out.dataSync();
  expect(v[0]).toBeCloseTo((0.5 - 0.485) / 0.229, 6);
  expect(v[1]).toBeCloseTo((0.5 - 0.456) / 0.224, 6);
  expect(v[2]).toBeCloseTo((0.5 - 0.406) / 0.225, 6);
});

test("a stride-2 conv pads 1 pixel on every side as torchvision does, not tfjs's 'same' (0 before, 1 after)", () => {
  const sub = tf.model({ inputs: tv.model.inputs[0]!, outputs: tv.model.getLayer("features.0.0").output as tf.SymbolicTensor });
  const x = tf.randomUniform([1, 32, 32, 1], 0, 1, "float32", 4);
  const normalised = new ImageNetInput({}).apply(x) as tf.Tensor4D;
  const kernel = tv.model.getLayer("features.0.0").getWeights()[0] as tf.Tensor4D;
  const got = (sub.predict(x) as tf.Tensor).dataSync();
  const symmetric = tf.conv2d(normalised, kernel, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]).dataSync();
  const same = tf.conv2d(normalised, kernel, 2, "same").dataSync();
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
  expect(diff(got, symmetric)).toBeLessThan(1e-5);
  expect(diff(got, same)).toBeGreaterThan(0.1);
});

describe.each(nativeBuilt() ? ["wasm", "native"] : ["wasm"])("TorchBatchNorm on %s", (backend) => {
  beforeAll(async () => {
    await initBackend(backend as "wasm");
  });
  afterAll(async () => {
    await initBackend("wasm");
  });

  // Values 1, 2, 3, 6 of one channel: mean 3, biased variance 3.5, unbiased 14/3.
  // PyTorch (momentum 0.1): running_mean 0.9·0 + 0.1·3 = 0.3; running_var 0.9·1 + 0.1·14/3 = 1.3667.
  // tfjs's own update would give 0.9 + 0.1·3.5 = 1.25.
  test("updates the running variance with the unbiased batch variance, as BatchNorm2d does", () => {
    const bn = new TorchBatchNorm({});
    const x = tf.tensor4d([1, 2, 3, 6], [2, 1, 2, 1]);
    const y = (bn.apply(x, { training: true }) as tf.Tensor).dataSync();
    const [gamma, beta, mean, variance] = bn.getWeights();
    expect(gamma!.dataSync()[0]).toBe(1);
    expect(beta!.dataSync()[0]).toBe(0);
    expect(mean!.dataSync()[0]).toBeCloseTo(0.3, 6);
    expect(variance!.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 6);
    // The output uses the biased variance and eps 1e-5: (1 − 3) / √(3.5 + 1e-5).
    expect(y[0]).toBeCloseTo(-2 / Math.sqrt(3.5 + 1e-5), 5);
  });
});

describe("StochasticDepth", () => {
  test("drops whole samples while training (each row 0 or 1/(1 − p)) and is the identity at inference", () => {
    const layer = new StochasticDepth({ name: "sd", rate: 0.5, rootSeed: 7 });
    const x = tf.ones([16, 2, 2, 3]);
    const out = (layer.apply(x, { training: true }) as tf.Tensor).reshape([16, 12]).arraySync() as number[][];
    for (const row of out) {
      expect(new Set(row).size).toBe(1);
      expect([0, 2]).toContain(row[0]!);
    }
    expect(out.some((r) => r[0] === 0) && out.some((r) => r[0] === 2)).toBe(true);
    expect(Array.from((layer.apply(x, { training: false }) as tf.Tensor).dataSync()).every((v) => v === 1)).toBe(true);
  });

  test("setDropoutStep reaches it: step n's mask is reproducible and differs from step n + 1's", () => {
    const model = buildModel(tf, { arch: "efficientnet-b0-torchvision", imgSize: 32, seed: 3, stochasticDepth: 0.9 });
    const sd = model.model.getLayer("features.6.3.stochastic_depth");
    const mask = (step: number) => {
      setDropoutStep(model.model, step);
      return Array.from((sd.apply(tf.ones([32, 1, 1, 1]), { training: true }) as tf.Tensor).dataSync());
    };
    expect(mask(5)).toEqual(mask(5));
    expect(mask(6)).not.toEqual(mask(5));
    model.model.dispose();
  });
});
