import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, SWISH, SWISH_GRAD } from "../../../lib/backend/native/layers.ts";
import { stream } from "../../../lib/rng/index.ts";
import { TOLERANCE, describeWebGPU, noAdapter, randomValues, relativeError, restoreBackend, runKernel, useWebGPU } from "./harness.ts";

// The fused training-mode batch norm and swish kernels of the webgpu backend against tfjs's cpu
// ops they replace (tf.moments + tf.batchNorm, x·sigmoid(x)) and those ops' gradients, on
// shapes drawn from a seeded stream. Tolerance: 1e-4 of each output's scale.

beforeAll(async () => {
  if (!noAdapter) await useWebGPU();
});
afterAll(async () => {
  if (!noAdapter) await restoreBackend();
});

const EPSILON = 1e-3;

/** Shape i of a seeded stream: [1–3, 2–17, 2–17, 1–40]. */
function randomShape(i: number): number[] {
  const rng = stream(16, `webgpu/bn/${i}`);
  return [1 + rng.int(3), 2 + rng.int(16), 2 + rng.int(16), 1 + rng.int(40)];
}
const shapes = [...Array.from({ length: 5 }, (_, i) => randomShape(i)), [16, 16, 16, 8]];

/** On cpu, with tfjs ops: y, mean, variance of training-mode batch norm, and the gradients of Σ y·dy with respect to x, scale and offset. */
async function cpuReference(x: Float32Array, scale: Float32Array, offset: Float32Array, dy: Float32Array, shape: number[]) {
  await tf.setBackend("cpu");
  const c = shape[3]!;
  const [xt, st, ot, dyt] = [tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(offset), tf.tensor(dy, shape)];
  const forward = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return { y: tf.batchNorm(a, mean, variance, o as tf.Tensor1D, s as tf.Tensor1D, EPSILON), mean, variance };
  };
  const { y, mean, variance } = forward(xt, st, ot);
  const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(forward(a, s, o).y, dyt)))([xt, st, ot]);
  const values = [y, mean, variance, ...grads].map((t) => t.dataSync().slice());
  tf.dispose([xt, st, ot, dyt, y, mean, variance, ...grads]);
  await tf.setBackend("webgpu");
  expect(values[1]).toHaveLength(c);
  return values;
}

describeWebGPU("fused batch norm (webgpu) matches tf.moments + tf.batchNorm on cpu", () => {
  for (const [i, shape] of shapes.entries()) {
    test(`${BATCH_NORM_TRAIN} and ${BATCH_NORM_TRAIN_GRAD}, x ${shape.join("×")}${i === 1 ? " (|mean| ≫ σ)" : ""}`, async () => {
      const c = shape[3]!;
      const x = randomValues(shape, `x/${i}`);
      // one case far from zero: the shifted sums must keep the variance accurate
      if (i === 1) for (let k = 0; k < x.length; k++) x[k] = 100 + x[k]!;
      const scale = randomValues([c], `scale/${i}`), offset = randomValues([c], `offset/${i}`), dy = randomValues(shape, `dy/${i}`);
      const [y, mean, variance, dx, dscale, doffset] = await cpuReference(x, scale, offset, dy, shape);
      const forward = await runKernel("webgpu", BATCH_NORM_TRAIN, { x: { shape, values: x }, scale: { shape: [c], values: scale }, offset: { shape: [c], values: offset } }, { epsilon: EPSILON });
      expect(forward.map((o) => o.shape)).toEqual([shape, [c], [c]]);
      expect(relativeError(forward[0]!.values, y!)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(forward[1]!.values, mean!)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(forward[2]!.values, variance!)).toBeLessThanOrEqual(TOLERANCE);
      const backward = await runKernel(
        "webgpu",
        BATCH_NORM_TRAIN_GRAD,
        { dy: { shape, values: dy }, x: { shape, values: x }, scale: { shape: [c], values: scale }, mean: { shape: [c], values: forward[1]!.values as Float32Array }, variance: { shape: [c], values: forward[2]!.values as Float32Array } },
        { epsilon: EPSILON },
      );
      expect(backward.map((o) => o.shape)).toEqual([shape, [c], [c]]);
      expect(relativeError(backward[0]!.values, dx!)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(backward[1]!.values, dscale!)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(backward[2]!.values, doffset!)).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});

describeWebGPU("fused swish (webgpu) matches x·sigmoid(x) on cpu", () => {
  test(`${SWISH} and ${SWISH_GRAD} on x 2×9×7×13 (values over ±4σ)`, async () => {
    const shape = [2, 9, 7, 13];
    const x = randomValues(shape, "swish/x").map((v) => 4 * v), dy = randomValues(shape, "swish/dy");
    await tf.setBackend("cpu");
    const xt = tf.tensor(x, shape), dyt = tf.tensor(dy, shape);
    const swish = (a: tf.Tensor) => tf.mul(a, tf.sigmoid(a));
    const [y, dx] = [swish(xt), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(swish(a), dyt)))(xt)].map((t) => t.dataSync().slice());
    tf.dispose([xt, dyt]);
    await tf.setBackend("webgpu");
    const [gy] = await runKernel("webgpu", SWISH, { x: { shape, values: x } });
    const [gdx] = await runKernel("webgpu", SWISH_GRAD, { x: { shape, values: x }, dy: { shape, values: dy } });
    expect(relativeError(gy!.values, y!)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(gdx!.values, dx!)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describeWebGPU("tfjs-layers on webgpu take the fused routes", () => {
  test("a BatchNormalization + swish layer pair in training mode runs the fused kernels and gives cpu's outputs and moving statistics", async () => {
    const shape = [2, 6, 5, 7];
    const x = randomValues(shape, "layer/x");
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const bn = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: EPSILON });
      const act = tf.layers.activation({ activation: "swish" });
      const input = tf.tensor(x, shape);
      let out: tf.Tensor | undefined;
      const profile = await tf.profile(() => {
        out = act.apply(bn.apply(input, { training: true }), { training: true }) as tf.Tensor;
      });
      const read: Float32Array[] = [];
      for (const t of [out!, ...bn.getWeights()]) read.push((await t.data()) as Float32Array);
      tf.dispose([input, out!]);
      bn.dispose();
      return { read, kernels: profile.kernels.map((k) => k.name) };
    };
    const gpu = await run("webgpu");
    const cpu = await run("cpu");
    await tf.setBackend("webgpu");
    expect(gpu.kernels).toContain(BATCH_NORM_TRAIN);
    expect(gpu.kernels).toContain(SWISH);
    expect(cpu.kernels).not.toContain(BATCH_NORM_TRAIN);
    // output, gamma, beta, moving mean, moving variance
    expect(gpu.read).toHaveLength(5);
    gpu.read.forEach((values, i) => expect(relativeError(values, cpu.read[i]!)).toBeLessThanOrEqual(TOLERANCE));
  });
});
