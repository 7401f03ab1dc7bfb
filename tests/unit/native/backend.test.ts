import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { nativeDetails, registerNativeBackend } from "../../../lib/backend/native/index.ts";
import { notBuilt, restoreBackend, useNative } from "./harness.ts";
import { describeWith } from "../../support/requirements.ts";

beforeAll(async () => {
  if (!notBuilt) await useNative();
});
afterAll(async () => {
  if (!notBuilt) await restoreBackend();
});

describeWith(["native addon"])("registerNativeBackend", () => {
  test("registerNativeBackend(tf) makes every cpu kernel available to the native backend, and a second call changes nothing", async () => {
    const before = new Map(tf.getKernelsForBackend("native").map((k) => [k.kernelName, k.kernelFunc]));
    await registerNativeBackend(tf);
    const after = new Map(tf.getKernelsForBackend("native").map((k) => [k.kernelName, k.kernelFunc]));
    expect(after).toEqual(before);
    const missing = tf.getKernelsForBackend("cpu").map((k) => k.kernelName).filter((name) => !after.has(name));
    expect(missing).toEqual([]);
    expect(tf.getBackend()).toBe("native");
  });

  test("nativeDetails() names the instruction set compiled in and the thread count", () => {
    const details = nativeDetails();
    expect(["avx512", "avx2-fma", "avx", "portable-4"]).toContain(details.isa!);
    expect(Number(details.threads)).toBeGreaterThanOrEqual(1);
    expect(details.nativeKernels?.split(",")).toContain("Conv2DBackpropFilter");
  });
});

describeWith(["native addon"])("the native backend's recycled output buffers", () => {
  test("dataSync() returns a copy that later kernels never overwrite", () => {
    const x = tf.tensor1d([-1, 2, -3, 4]);
    const y = tf.relu(x);
    const values = y.dataSync();
    y.dispose();
    const others = [tf.neg(x), tf.abs(x), tf.square(x)];
    expect(Array.from(values)).toEqual([0, 2, 0, 4]);
    tf.dispose([x, ...others]);
  });

  test("a slice of a kernel's output keeps its values after the output is disposed and its size reused", () => {
    const x = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const y = tf.mul(x, 10);
    const head = tf.slice(y, [0], [3]);
    y.dispose();
    const reuse = [tf.mul(x, -1), tf.mul(x, -2)];
    expect(Array.from(head.dataSync())).toEqual([10, 20, 30]);
    tf.dispose([x, head, ...reuse]);
  });
});

describeWith(["native addon"])("tfjs-layers routes on the native backend", () => {
  /** Kernels one training-mode call of `layer` runs on `backend`. */
  async function kernelsOf(backend: string, layer: tf.layers.Layer, shape: number[]): Promise<string[]> {
    tf.setBackend(backend);
    const x = tf.randomNormal(shape, 0, 1, "float32", 3);
    const profile = await tf.profile(() => layer.apply(x, { training: true }) as tf.Tensor);
    tf.dispose([x, profile.result as tf.Tensor]);
    tf.setBackend("native");
    return profile.kernelNames;
  }

  test("batchNormalization in training mode runs one fused kernel on native and tf.moments + FusedBatchNorm on cpu", async () => {
    const layer = tf.layers.batchNormalization({ axis: -1 });
    expect(await kernelsOf("native", layer, [2, 4, 4, 3])).toContain("MammoNativeBatchNormTrain");
    const cpu = await kernelsOf("cpu", layer, [2, 4, 4, 3]);
    expect(cpu).toContain("FusedBatchNorm");
    expect(cpu).not.toContain("MammoNativeBatchNormTrain");
  });

  test("the swish activation runs one fused kernel on native and sigmoid + multiply on cpu", async () => {
    const layer = tf.layers.activation({ activation: "swish" });
    expect(await kernelsOf("native", layer, [2, 5])).toEqual(["MammoNativeSwish"]);
    expect(await kernelsOf("cpu", layer, [2, 5])).toContain("Sigmoid");
  });

  test("the gradient of tf.mean over the spatial axes is one broadcast-divide kernel on native and equals cpu's", async () => {
    const grad = (backend: string) => {
      tf.setBackend(backend);
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.sin(i)), [2, 3, 4, 5]);
      const w = tf.tensor2d(Float32Array.from({ length: 10 }, (_, i) => i - 4.5), [2, 5]);
      const g = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.mean(input, [1, 2]), w)))(x);
      const values = g.dataSync().slice();
      tf.dispose([x, w, g]);
      tf.setBackend("native");
      return values;
    };
    const native = grad("native");
    // d/dx of Σ w·mean(x): w[n, c] / 12 at every pixel of image n, channel c
    expect(native[0]).toBeCloseTo(-4.5 / 12, 6);
    expect(native[5 * 4 * 3 + 4]).toBeCloseTo(4.5 / 12, 6);
    expect(Array.from(native)).toEqual(Array.from(grad("cpu")));
    const x = tf.ones([2, 3, 4, 5]);
    const profile = await tf.profile(() => tf.grad((input: tf.Tensor) => tf.mean(input, [1, 2]).sum())(x));
    expect(profile.kernelNames).toContain("MammoNativeBroadcastDiv");
    tf.dispose([x, profile.result as tf.Tensor]);
  });

  test("batchNormalization in training mode updates the moving mean exactly as tfjs-layers does on cpu", () => {
    const run = (backend: string) => {
      tf.setBackend(backend);
      const layer = tf.layers.batchNormalization({ axis: -1, momentum: 0.9 });
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2]);
      tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
      const [, , movingMean, movingVariance] = layer.getWeights();
      const out = [Array.from(movingMean!.dataSync()), Array.from(movingVariance!.dataSync())];
      x.dispose();
      tf.setBackend("native");
      return out;
    };
    // batch means 4 and 5, biased variances 5 and 5: 0.9·0 + 0.1·4, 0.9·1 + 0.1·5
    const [mean, variance] = run("native");
    expect(mean![0]).toBeCloseTo(0.4, 6);
    expect(mean![1]).toBeCloseTo(0.5, 6);
    expect(variance![0]).toBeCloseTo(1.4, 6);
    expect(run("cpu")).toEqual([mean!, variance!]);
  });
});
