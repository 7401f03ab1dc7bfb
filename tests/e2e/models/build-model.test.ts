import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { buildModel, weightsSha256, type BuiltModel } from "../../../lib/models/index.ts";
import { watchMathRandom } from "../../../lib/task/index.ts";

const count = (weights: tf.LayerVariable[]) => weights.reduce((n, w) => n + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);

let b0: BuiltModel;
beforeAll(async () => {
  await initBackend("wasm");
  b0 = buildModel(tf, { arch: "efficientnet-b0", imgSize: 32, seed: 42 });
});
afterAll(() => b0.model.dispose());

describe("buildModel efficientnet-b0", () => {
  // torchvision's efficientnet_b0 (3 input channels, 1000 classes) has 5,288,548 parameters:
  // 4,007,548 in `features` (BN γ and β included; running statistics are buffers) and
  // 1280·1000 + 1000 = 1,281,000 in the classifier. With 1 input channel the stem kernel loses
  // 3·3·2·32 = 576, and a 4-class head has 1280·4 + 4 = 5,124: 4,007,548 − 576 + 5,124 = 4,012,096.
  test("has 4,012,096 trainable parameters for 1 channel and 4 classes (+ 42,016 BN statistics)", () => {
    expect(count(b0.model.trainableWeights)).toBe(4_012_096);
    expect(count(b0.model.nonTrainableWeights)).toBe(42_016);
  });

  test("with 3 channels and 1000 classes it has torchvision's 5,288,548 trainable parameters", () => {
    const rgb = buildModel(tf, { arch: "efficientnet-b0", imgSize: 32, inChannels: 3, numClasses: 1000, dropout: 0.2, seed: 1 });
    expect(count(rgb.model.trainableWeights)).toBe(5_288_548);
    rgb.model.dispose();
  });

  test("has 16 MBConv blocks in 7 stages, a 1280-channel feature map and the reference head", () => {
    const names = b0.model.layers.map((l) => l.name);
    const blocks = new Set(names.filter((n) => /^block\d[a-z]_/.test(n)).map((n) => n.slice(0, n.indexOf("_"))));
    expect([...blocks]).toEqual(["block1a", "block2a", "block2b", "block3a", "block3b", "block4a", "block4b", "block4c",
      "block5a", "block5b", "block5c", "block6a", "block6b", "block6c", "block6d", "block7a"]);
    // Identity skips where stride 1 and channels match: every repeat after the first.
    expect(names.filter((n) => n.endsWith("_add"))).toHaveLength(9);
    expect(b0.model.getLayer("block3a_dwconv").getWeights()[0]!.shape).toEqual([5, 5, 144, 1]);
    expect(b0.model.getLayer("block2a_se_reduce").getWeights()[0]!.shape).toEqual([1, 1, 96, 4]);
    expect(b0.model.getLayer("stem_conv").getWeights()[0]!.shape).toEqual([3, 3, 1, 32]);
    expect(b0.model.getLayer("top_activation").outputShape).toEqual([null, 1, 1, 1280]);
    expect(b0.featureDim).toBe(1280);
    expect(b0.gradcamLayer).toBe("top_activation");
    expect(b0.model.inputNames).toEqual(["image"]);
    expect(b0.model.outputs[0]!.shape).toEqual([null, 4]);
    expect(b0.headLayers).toEqual(["avg_pool", "head_dropout", "head_dense"]);
    expect(b0.model.getLayer("head_dense").getWeights()[0]!.shape).toEqual([1280, 4]);
  });

  test("lastBlockLayers = torchvision's features[-2:]: stage 7 (block7a) and the 1×1 conv to 1280", () => {
    expect(b0.lastBlockLayers[0]).toBe("block7a_expand_conv");
    expect(b0.lastBlockLayers.every((n) => n.startsWith("block7a_") || n.startsWith("top_"))).toBe(true);
    expect(b0.lastBlockLayers.slice(-3)).toEqual(["top_conv", "top_bn", "top_activation"]);
    expect(b0.backboneLayers[0]).toBe("stem_conv");
    expect(b0.backboneLayers.slice(-b0.lastBlockLayers.length)).toEqual(b0.lastBlockLayers);
    expect(b0.backboneLayers.length + b0.headLayers.length + 1).toBe(b0.model.layers.length); // + the image input
  });

  test("the same seed gives identical weights, another seed different ones", () => {
    const again = buildModel(tf, { arch: "efficientnet-b0", imgSize: 32, seed: 42 });
    const other = buildModel(tf, { arch: "efficientnet-b0", imgSize: 32, seed: 43 });
    expect(weightsSha256(again.model)).toBe(weightsSha256(b0.model));
    expect(weightsSha256(other.model)).not.toBe(weightsSha256(b0.model));
    again.model.dispose();
    other.model.dispose();
  });
});

describe("buildModel small-cnn", () => {
  test("has 3 conv+BN blocks (16/32/64), 64-d features and 23,668 trainable parameters", () => {
    const built = buildModel(tf, { arch: "small-cnn", imgSize: 64, seed: 1 });
    // convs 9·16 + 9·16·32 + 9·32·64 = 23,184; BN γ, β 2·112 = 224; head 64·4 + 4 = 260.
    expect(count(built.model.trainableWeights)).toBe(23_668);
    expect(built.featureDim).toBe(64);
    expect(built.gradcamLayer).toBe("block3_relu");
    expect(built.lastBlockLayers).toEqual(["block3_conv", "block3_bn", "block3_relu"]);
    expect(built.model.getLayer("block3_relu").outputShape).toEqual([null, 16, 16, 64]);
    built.model.dispose();
  });

  test("the same seed gives identical weights, another seed different ones", () => {
    const hashes = [1, 1, 2].map((seed) => {
      const built = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed });
      const hash = weightsSha256(built.model);
      built.model.dispose();
      return hash;
    });
    expect(hashes[0]).toBe(hashes[1]!);
    expect(hashes[2]).not.toBe(hashes[0]!);
  });

  test("draws every initial weight from seeded streams: Math.random is never called", () => {
    const watch = watchMathRandom();
    try {
      buildModel(tf, { arch: "small-cnn", imgSize: 16, embeddingDim: 3, seed: 9 }).model.dispose();
    } finally {
      watch.restore();
    }
    expect(watch.calls).toBe(0);
  });
});

describe("buildModel with an embedding", () => {
  test("embeddingDim 8 adds an 'embedding' input concatenated before dropout and head_dense", () => {
    const built = buildModel(tf, { arch: "small-cnn", imgSize: 16, embeddingDim: 8, seed: 1 });
    expect(built.model.inputNames).toEqual(["image", "embedding"]);
    expect(built.headLayers).toEqual(["avg_pool", "head_concat", "head_dropout", "head_dense"]);
    expect(built.model.getLayer("head_dense").getWeights()[0]!.shape).toEqual([64 + 8, 4]);
    const logits = built.model.predict([tf.zeros([2, 16, 16, 1]), tf.ones([2, 8])]) as tf.Tensor;
    expect(logits.shape).toEqual([2, 4]);
    built.model.dispose();
  });
});

test("buildModel rejects an image too small for EfficientNet-B0 with a usage error naming --img-size", () => {
  const err = (() => {
    try {
      buildModel(tf, { arch: "efficientnet-b0", imgSize: 16, seed: 1 });
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(TaskError);
  expect((err as TaskError).exitCode).toBe(2);
  expect((err as TaskError).message).toBe("invalid --img-size: 16 (expected an integer ≥ 32 for --arch efficientnet-b0)");
});
