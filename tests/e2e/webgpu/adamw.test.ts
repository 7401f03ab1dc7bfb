import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { ADAMW_KERNEL, webgpuAdamWUpdate } from "../../../lib/backend/webgpu/adamw-update.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { TOLERANCE, describeWebGPU, noAdapter, randomValues, relativeError, restoreBackend, runKernel, useWebGPU } from "./harness.ts";

beforeAll(async () => {
  if (!noAdapter) await useWebGPU();
});
afterAll(async () => {
  if (!noAdapter) await restoreBackend();
});

const options = { weightDecay: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** AdamW (lib/train/adamw.ts) for three steps on `backend`: the final weights and moments of a kernel and a bias. */
async function threeSteps(backend: string, shapes: Record<string, number[]>): Promise<{ values: Float32Array[]; kernels: string[] }> {
  await tf.setBackend(backend);
  const kernels: string[] = [];
  const vars = Object.entries(shapes).map(([name, shape]) => tf.variable(tf.tensor(randomValues(shape, `w/${name}`), shape)));
  const adamw = new AdamW(tf, options);
  for (const step of [1, 2, 3]) {
    const updates = vars.map((variable, key) => ({ key, variable, gradient: tf.tensor(randomValues(variable.shape, `g/${key}/${step}`), variable.shape), lr: 1e-3 }));
    const profile = await tf.profile(() => adamw.apply(updates));
    kernels.push(...profile.kernels.map((k) => k.name));
    tf.dispose(updates.map((u) => u.gradient));
  }
  const out: Float32Array[] = [];
  for (const t of [...vars, ...adamw.tensors()]) out.push((await t.data()) as Float32Array);
  adamw.dispose();
  tf.dispose(vars);
  await tf.setBackend("webgpu");
  return { values: out, kernels };
}

describeWebGPU(`${ADAMW_KERNEL} (webgpu)`, () => {
  test("webgpuAdamWUpdate runs only on webgpu and only for float32 tensors", async () => {
    const [variable, m, v] = [tf.variable(tf.ones([3])), tf.variable(tf.zeros([3])), tf.variable(tf.zeros([3]))];
    const int = tf.tensor1d([1, 2, 3], "int32");
    expect(webgpuAdamWUpdate(tf, { variable, gradient: int, m, v, lr: 1e-3, step: 1, decays: false }, options)).toBe(false);
    await tf.setBackend("cpu");
    const g = tf.ones([3]);
    expect(webgpuAdamWUpdate(tf, { variable, gradient: g, m, v, lr: 1e-3, step: 1, decays: false }, options)).toBe(false);
    await tf.setBackend("webgpu");
    tf.dispose([variable, m, v, int, g]);
  });

  test("the kernel matches the op sequence on cpu for random shapes (weights, moments; decayed and not)", async () => {
    for (const [i, shape] of [[3, 3, 5, 7], [1000], [17, 4], [1]].entries()) {
      const input = (purpose: string) => ({ shape, values: randomValues(shape, `${purpose}/${i}`) });
      const v = input("v");
      v.values = v.values.map(Math.abs);
      const attrs = { beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 1 - 0.999, decay: i % 2 ? 1 : 1 - 1e-3 * 1e-2, sqrtBiasCorrection2: Math.sqrt(1 - 0.999 ** 2), epsilon: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 2) };
      const outputs = await runKernel("webgpu", ADAMW_KERNEL, { w: input("w"), g: input("g"), m: input("m"), v }, attrs);
      // the reference: lib/train/adamw.ts's formula in tfjs ops on cpu (the kernel exists only on webgpu)
      await tf.setBackend("cpu");
      const [w, g, m, vv] = [input("w"), input("g"), input("m"), v].map((x) => tf.tensor(x.values, x.shape));
      const m2 = m!.mul(attrs.beta1).add(g!.mul(attrs.oneMinusBeta1));
      const v2 = vv!.mul(attrs.beta2).add(g!.square().mul(attrs.oneMinusBeta2));
      const w2 = w!.mul(attrs.decay).sub(m2.div(v2.sqrt().div(attrs.sqrtBiasCorrection2).add(attrs.epsilon)).mul(attrs.stepSize));
      const expected = [w2, m2, v2].map((t) => t.dataSync().slice());
      tf.dispose([w!, g!, m!, vv!, m2, v2, w2]);
      await tf.setBackend("webgpu");
      outputs.forEach((out, k) => {
        expect(out.shape).toEqual(shape);
        expect(relativeError(out.values, expected[k]!)).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  });

  test("AdamW.apply on webgpu runs the fused kernel (one per variable and step) and ends within 1e-4 of AdamW.apply on cpu after three steps", async () => {
    const shapes = { kernel: [3, 3, 4, 8], bias: [8] };
    const gpu = await threeSteps("webgpu", shapes);
    const cpu = await threeSteps("cpu", shapes);
    expect(gpu.kernels.filter((k) => k === ADAMW_KERNEL)).toHaveLength(6);
    expect(cpu.kernels).not.toContain(ADAMW_KERNEL);
    expect(gpu.values).toHaveLength(6);
    gpu.values.forEach((values, i) => expect(relativeError(values, cpu.values[i]!)).toBeLessThanOrEqual(TOLERANCE));
  });
});
