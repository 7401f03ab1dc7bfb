import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { onHost } from "../../../lib/backend/index.ts";
import type { MammoWebGPUBackend } from "../../../lib/backend/webgpu/backend.ts";
import { TaskError } from "../../../lib/errors/index.ts";
import { buildModel, setDropoutStep, weightsSha256, type Arch } from "../../../lib/models/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { trainStepOnDevice } from "../../../lib/train/step.ts";
import { describeWebGPU, noAdapter, restoreBackend, useWebGPU } from "./harness.ts";

// The project's training step (lib/train/step.ts: forward, cross-entropy, gradients, AdamW) on
// webgpu, on Mesa's software adapter in CI: everything stays on the device, the same seed gives
// the same bits, and the result is near the cpu backend's. Small on purpose (32 px, batch 2–4,
// two or three steps): software rendering on shared cores is slow.

let backend: MammoWebGPUBackend;
beforeAll(async () => {
  if (!noAdapter) backend = await useWebGPU();
});
afterAll(async () => {
  if (!noAdapter) await restoreBackend();
});

function batch(size: number, n: number, purpose: string): { x: Float32Array; labels: number[] } {
  const rng = stream(11, purpose);
  return { x: Float32Array.from({ length: n * size * size }, () => rng.float()), labels: Array.from({ length: n }, () => rng.int(4)) };
}

interface Run {
  /** [loss, correct] of each step, read once after the last step. */
  stats: Float32Array;
  /** weightsSha256 of every weight (moving statistics included). */
  sha256: string;
  /** The trainable weights. */
  weights: Float32Array[];
  /** Device-to-host reads while the steps were queued (expected: none). */
  readsDuringSteps: number;
  /** Whether every variable's data was on the GPU (not on the host) after the steps. */
  onDevice: boolean;
}

/** `steps` training steps of `arch` from seed 42 on the backend in use, losses read once at the end. */
async function train(arch: Arch, size: number, batchSize: number, steps: number): Promise<Run> {
  const built = buildModel(tf, { arch, imgSize: size, seed: 42 });
  const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tf.Variable, lr: 1e-3 }));
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const data = batch(size, batchSize, `${arch}/${size}`);
  const reads = tf.getBackend() === "webgpu" ? backend.deviceReads : 0;
  const stats: tf.Tensor1D[] = [];
  for (let step = 1; step <= steps; step++) {
    setDropoutStep(built.model, step);
    const x = tf.tensor4d(data.x, [batchSize, size, size, 1]);
    stats.push(trainStepOnDevice(tf, built.model, optimizer, vars, [x], data.labels, null));
    x.dispose();
  }
  const readsDuringSteps = tf.getBackend() === "webgpu" ? backend.deviceReads - reads : 0;
  const onDevice = tf.getBackend() !== "webgpu" || built.model.weights.every((w) => backend.tensorMap.get(w.read().dataId)?.resource != null);
  const all = tf.concat(stats);
  const values = (await all.data()) as Float32Array;
  tf.dispose([all, ...stats]);
  await onHost(built.model.weights.map((w) => w.read()));
  const run = { stats: values, sha256: weightsSha256(built.model), weights: built.model.trainableWeights.map((w) => w.read().dataSync().slice() as Float32Array), readsDuringSteps, onDevice };
  optimizer.dispose();
  built.model.dispose();
  return run;
}

/** Weights (trainable and not) of `arch`'s model. */
function weightCount(arch: Arch): number {
  const built = buildModel(tf, { arch, imgSize: 32, seed: 1 });
  const n = built.model.weights.length;
  built.model.dispose();
  return n;
}

/** The largest absolute difference between two runs' trainable weights. */
function weightDistance(a: Run, b: Run): number {
  let max = 0;
  a.weights.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - b.weights[i]![j]!)))));
  return max;
}

describeWebGPU("training steps on webgpu", () => {
  for (const [arch, size, batchSize, steps] of [["small-cnn", 32, 4, 3], ["efficientnet-b0", 32, 4, 2]] as const) {
    test(`${arch} ${size} px, batch ${batchSize}: ${steps} steps stay on the device (no read until the losses, read once), the same seed twice gives bit-identical weights, and cpu agrees`, async () => {
      await tf.setBackend("webgpu");
      const reads = backend.deviceReads;
      const first = await train(arch, size, batchSize, steps);
      // every kernel ran on the GPU: none read device data back (a synchronous read would have thrown), the weights live on the GPU
      expect(first.readsDuringSteps).toBe(0);
      expect(first.onDevice).toBe(true);
      // one read for every step's loss and accuracy, one per weight for the fingerprint
      expect(backend.deviceReads - reads).toBe(1 + weightCount(arch));
      const second = await train(arch, size, batchSize, steps);
      expect(second.sha256).toBe(first.sha256);
      expect(Buffer.from(second.stats.buffer).equals(Buffer.from(first.stats.buffer))).toBe(true);

      // GPU against CPU: not bit-equal (other summation orders), close: the first loss (same
      // initial weights) within 1e-3 (EfficientNet's last blocks normalise over batch × 1 × 1
      // values at 32 px, which amplifies rounding differences; each kernel alone agrees within
      // 1e-4, kernels.test.ts); the trainable weights after the AdamW steps within twice Adam's
      // largest step, lr·(1 − β1)/√(1 − β2) ≈ 3.2·lr, a step (Adam moves a weight by about lr
      // whatever its gradient's size: a gradient near 0 that flips sign moves it the other way).
      // The moving statistics follow the batch statistics and are left out.
      await tf.setBackend("cpu");
      const cpu = await train(arch, size, batchSize, steps);
      await tf.setBackend("webgpu");
      expect(Math.abs(first.stats[0]! - cpu.stats[0]!)).toBeLessThanOrEqual(1e-3 * Math.abs(cpu.stats[0]!));
      console.log(`${arch}: webgpu vs cpu after ${steps} steps: first loss ${first.stats[0]} vs ${cpu.stats[0]}, weights within ${weightDistance(first, cpu).toExponential(2)}`);
      expect(weightDistance(first, cpu)).toBeLessThanOrEqual(2 * steps * 3.2 * 1e-3);
    });
  }

  test("no shader compiled for training uses atomics (whose order of updates depends on scheduling)", () => {
    expect(backend.shaders.length).toBeGreaterThan(0);
    expect(backend.shaders.filter((s) => s.atomic).map((s) => s.label)).toEqual([]);
  });

  test("dataSync of a tensor that is only on the GPU is a TaskError that says to read asynchronously", async () => {
    const t = tf.add(tf.ones([2, 3]), 1);
    const err = (() => {
      try {
        t.dataSync();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toBe(
      "backend webgpu: a tensor of shape [2, 3] was read synchronously (dataSync/arraySync) while it is only on the GPU; Dawn reads asynchronously: await tensor.data() first",
    );
    // once read asynchronously, the values are on the host too
    expect(Array.from(await t.data())).toEqual([2, 2, 2, 2, 2, 2]);
    expect(Array.from(t.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
    t.dispose();
  });
});
