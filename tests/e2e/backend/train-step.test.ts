import { beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.ts";
import { buildModel, setDropoutStep, type Arch } from "../../../lib/models/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { relativeError } from "../../unit/backend/kernel-harness.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

/** Loss and the gradient of every trainable weight (by layer/weight name) for one batch on `backend`. */
function gradients(backend: "wasm" | "cpu", model: tf.LayersModel, images: Float32Array, labels: number[], size: number, training: boolean) {
  tf.setBackend(backend);
  setDropoutStep(model, 3);
  const names = new Map(model.trainableWeights.map((w) => [w.name, w.originalName]));
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(images, [labels.length, size, size, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 4);
    return tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training }) as tf.Tensor) as tf.Scalar);
  });
  const out = {
    loss: value.dataSync()[0]!,
    grads: new Map(Object.entries(grads).map(([name, g]) => [names.get(name) ?? name, g.dataSync().slice()])),
  };
  tf.dispose([value, ...Object.values(grads)]);
  tf.setBackend("wasm");
  return out;
}

function compare(arch: Arch, size: number, training: boolean) {
  const { model } = buildModel(tf, { arch, imgSize: size, seed: 3 });
  const rng = stream(1, "train-step-test");
  const images = Float32Array.from({ length: 2 * size * size }, () => rng.float());
  const labels = [1, 3];
  const wasm = gradients("wasm", model, images, labels, size, training);
  const cpu = gradients("cpu", model, images, labels, size, training);
  model.dispose();
  const errors = [...cpu.grads].map(([name, g]) => [name, relativeError(wasm.grads.get(name)!, g)] as const);
  return { wasm, cpu, errors, worst: Math.max(...errors.map(([, e]) => e)) };
}

test("one small-cnn training step (batch statistics, dropout) on wasm: every gradient matches cpu within 1e-4", () => {
  const { wasm, cpu, errors, worst } = compare("small-cnn", 16, true);
  expect(errors).toHaveLength(11); // 3 convs, 3 BN × (γ, β), head kernel and bias
  expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-6);
  expect(worst).toBeLessThan(1e-4);
});

// EfficientNet-B0 at 32 px ends on 1×1 maps: with batch 2, batch-norm in training mode normalises
// two values per channel, and the float32 rounding differences between any two backends blow
// up through it. The kernels are compared in inference mode (moving statistics), where the
// network is well conditioned; every convolution and depthwise gradient still runs.
test("one EfficientNet-B0 step (inference-mode BN) on wasm: all 213 gradients match cpu within 1e-4", () => {
  const { wasm, cpu, errors, worst } = compare("efficientnet-b0", 32, false);
  expect(errors).toHaveLength(213);
  expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5);
  expect(worst).toBeLessThan(1e-4);
}, 60_000);

test("an EfficientNet-B0 training-mode step on wasm gives a finite gradient for every trainable weight", () => {
  const { model } = buildModel(tf, { arch: "efficientnet-b0", imgSize: 32, seed: 4 });
  const { grads } = tf.tidy(() => {
    const x = tf.randomUniform([2, 32, 32, 1], 0, 1, "float32", 5);
    const y = tf.oneHot(tf.tensor1d([0, 2], "int32"), 4);
    return tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
  });
  const all = Object.values(grads);
  expect(all).toHaveLength(model.trainableWeights.length);
  expect(all.every((g) => tf.tidy(() => tf.all(tf.isFinite(g)).dataSync()[0]) === 1)).toBe(true);
  tf.dispose(all);
  model.dispose();
}, 30_000);
