import { expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { nativeThreads } from "../../../lib/backend/native/index.ts";
import { buildModel, setDropoutStep } from "../../../lib/models/index.ts";
import { deriveSeed, stream } from "../../../lib/rng/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { trainStep } from "../../../lib/train/step.ts";
import { relativeError, useNativeInFile } from "../../unit/native/harness.ts";
import { describeWith } from "../../support/requirements.ts";

// Training on the native backend: gradients and a few SGD steps agree with tfjs's cpu backend
// (the reference), and the same seed gives bit-identical weights with 1 and 2 threads.

useNativeInFile();

/**
 * An MBConv block as in EfficientNet (stride-2 stem, batch norm, swish, depthwise 3×3,
 * squeeze-excite, projection with a residual), then pooling and a dense head: every kernel
 * and fused route the native backend adds to an EfficientNet step, at 16×16.
 */
function mbconvNet(seed: number): tf.LayersModel {
  const init = (name: string) => tf.initializers.glorotNormal({ seed: deriveSeed(seed, `init/${name}`) });
  const bn = (name: string) => tf.layers.batchNormalization({ name, axis: -1, momentum: 0.9, epsilon: 1e-5 });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [16, 16, 1] });
  let x = apply(tf.layers.conv2d({ name: "stem", filters: 8, kernelSize: 3, strides: 2, padding: "same", useBias: false, kernelInitializer: init("stem") }), input);
  x = apply(tf.layers.activation({ activation: "swish" }), apply(bn("stem_bn"), x));
  let h = apply(tf.layers.depthwiseConv2d({ name: "dw", kernelSize: 3, padding: "same", useBias: false, depthwiseInitializer: init("dw") }), x);
  h = apply(tf.layers.activation({ activation: "swish" }), apply(bn("dw_bn"), h));
  let s = apply(tf.layers.globalAveragePooling2d({}), h);
  s = apply(tf.layers.reshape({ targetShape: [1, 1, 8] }), s);
  s = apply(tf.layers.conv2d({ name: "se_reduce", filters: 2, kernelSize: 1, activation: "swish", kernelInitializer: init("se_reduce") }), s);
  s = apply(tf.layers.conv2d({ name: "se_expand", filters: 8, kernelSize: 1, activation: "sigmoid", kernelInitializer: init("se_expand") }), s);
  h = apply(tf.layers.multiply({}), [h, s]);
  h = apply(bn("project_bn"), apply(tf.layers.conv2d({ name: "project", filters: 8, kernelSize: 1, useBias: false, kernelInitializer: init("project") }), h));
  x = apply(tf.layers.add({}), [h, x]);
  const logits = apply(tf.layers.dense({ name: "head", units: 4, kernelInitializer: init("head") }), apply(tf.layers.globalAveragePooling2d({}), x));
  return tf.model({ inputs: input, outputs: logits });
}

function batch(size: number, n: number, purpose: string): { x: Float32Array; labels: number[] } {
  const rng = stream(11, purpose);
  return { x: Float32Array.from({ length: n * size * size }, () => rng.float()), labels: Array.from({ length: n }, () => rng.int(4)) };
}

/** Loss and gradients (by weight name) of one training-mode batch on `backend`. */
function gradients(backend: string, model: tf.LayersModel, data: { x: Float32Array; labels: number[] }, size: number) {
  tf.setBackend(backend);
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(data.x, [data.labels.length, size, size, 1]);
    const y = tf.oneHot(tf.tensor1d(data.labels, "int32"), 4);
    return tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
  });
  const out = { loss: value.dataSync()[0]!, grads: new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync().slice()])) };
  tf.dispose([value, ...Object.values(grads)]);
  tf.setBackend("native");
  return out;
}

function expectSameGradients(model: tf.LayersModel, size: number, count: number): void {
  const data = batch(size, 4, "grad");
  const native = gradients("native", model, data, size);
  const cpu = gradients("cpu", model, data, size);
  expect(native.grads.size).toBe(count);
  expect(Math.abs(native.loss - cpu.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(cpu.loss));
  // the weights whose gradient is off, with their error (none)
  const off = [...cpu.grads].map(([name, g]) => [name, relativeError(native.grads.get(name)!, g)] as const).filter(([, e]) => !(e <= 1e-4));
  expect(Object.fromEntries(off)).toEqual({});
}

describeWith(["native addon"])("training on the native backend agrees with the cpu backend", () => {
  test("one small-cnn training-mode step at 16×16 (fused batch norm, ReLU, max-pool): all 11 gradients within 1e-4", () => {
    const { model } = buildModel(tf, { arch: "small-cnn", imgSize: 16, seed: 3, dropout: 0 });
    setDropoutStep(model, 1);
    expectSameGradients(model, 16, 11);
    model.dispose();
  });

  test("one MBConv-block training-mode step (fused batch norm and swish, depthwise, squeeze-excite): all gradients within 1e-4", () => {
    const model = mbconvNet(5);
    expectSameGradients(model, 16, model.trainableWeights.length);
    model.dispose();
  });

  test("three SGD steps of the MBConv net: the weights and the moving statistics end within 1e-4 of cpu's", () => {
    const data = batch(16, 4, "sgd");
    const run = (backend: string) => {
      tf.setBackend(backend);
      const model = mbconvNet(6);
      const optimizer = tf.train.sgd(0.1);
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => {
          const x = tf.tensor4d(data.x, [4, 16, 16, 1]);
          const y = tf.oneHot(tf.tensor1d(data.labels, "int32"), 4);
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
        });
      }
      const weights = model.getWeights().map((w) => w.dataSync().slice());
      optimizer.dispose();
      model.dispose();
      tf.setBackend("native");
      return weights;
    };
    const native = run("native");
    const cpu = run("cpu");
    expect(native).toHaveLength(cpu.length);
    cpu.forEach((w, i) => expect(relativeError(native[i]!, w)).toBeLessThanOrEqual(1e-4));
  });
});

describeWith(["native addon"])("training on the native backend is reproducible", () => {
  /** Weights of a small-cnn after two AdamW steps of the project's trainStep with `threads` threads. */
  function weightsAfterTwoSteps(threads: number): Buffer[] {
    nativeThreads(threads);
    const built = buildModel(tf, { arch: "small-cnn", imgSize: 24, seed: 42 });
    const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tf.Variable, lr: 1e-3 }));
    const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
    const data = batch(24, 8, "adamw");
    for (let step = 1; step <= 2; step++) {
      setDropoutStep(built.model, step);
      const x = tf.tensor4d(data.x, [8, 24, 24, 1]);
      trainStep(tf, built.model, optimizer, vars, [x], data.labels, null);
      x.dispose();
    }
    const weights = built.model.getWeights().map((w) => Buffer.from(w.dataSync().buffer));
    built.model.dispose();
    return weights;
  }

  test("the same seed gives bit-identical small-cnn weights after two AdamW steps with 1 and with 2 threads", () => {
    const one = weightsAfterTwoSteps(1);
    const two = weightsAfterTwoSteps(2);
    expect(two).toHaveLength(one.length);
    two.forEach((w, i) => expect(w.equals(one[i]!)).toBe(true));
  });
});
