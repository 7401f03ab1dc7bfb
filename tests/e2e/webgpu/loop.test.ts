import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { GPU_STEPS_PER_READ } from "../../../lib/backend/index.ts";
import type { MammoWebGPUBackend } from "../../../lib/backend/webgpu/backend.ts";
import { buildModel } from "../../../lib/models/index.ts";
import { quietProgress } from "../../../lib/progress/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { initialLoopState, trainLoop } from "../../../lib/train/loop.ts";
import { netParts } from "../../../lib/train/network.ts";
import type { DataPart } from "../../../lib/train/step.ts";
import { describeWebGPU, noAdapter, restoreBackend, useWebGPU } from "./harness.ts";
import { tinyLoopOptions } from "../train/tiny-training.ts";

// The training loop (lib/train/loop.ts) on webgpu: how often it reads from the device, and
// memory that stays flat from epoch to epoch.

let backend: MammoWebGPUBackend;
beforeAll(async () => {
  if (!noAdapter) backend = await useWebGPU();
});
afterAll(async () => {
  if (!noAdapter) await restoreBackend();
});

const SIZE = 16;

function part(n: number, purpose: string): DataPart {
  const rng = stream(12, purpose);
  return {
    images: Array.from({ length: n }, () => Float32Array.from({ length: SIZE * SIZE }, () => rng.float())),
    labels: Array.from({ length: n }, (_, i) => i % 4),
  };
}

function options(epochs: number, stepsPerRead: number) {
  return tinyLoopOptions(SIZE, epochs, { backboneLr: 1e-4, stepsPerRead });
}

interface EpochFacts {
  reads: number;
  tensors: number;
  bytes: number;
  gpuBytesAllocated: number;
  trainLoss: number;
}

/** trainLoop on a small-cnn for `epochs` epochs of 16 training images (4 steps) and 4 validation images (1 batch). */
async function loop(epochs: number, stepsPerRead: number): Promise<EpochFacts[]> {
  const built = buildModel(tf, { arch: "small-cnn", imgSize: SIZE, seed: 42 });
  const net = netParts(built);
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const facts: EpochFacts[] = [];
  let reads = backend.deviceReads;
  await trainLoop(tf, net, { train: part(16, "train"), val: part(4, "val") }, options(epochs, stepsPerRead), optimizer, initialLoopState(), {
    progress: quietProgress,
    now: () => performance.now(),
    onEpochEnd(result) {
      const memory = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
      facts.push({ reads: backend.deviceReads - reads, tensors: memory.numTensors, bytes: memory.numBytes, gpuBytesAllocated: memory.numBytesAllocatedInGPU ?? -1, trainLoss: result.row.train_loss });
      reads = backend.deviceReads;
    },
  });
  optimizer.dispose();
  built.model.dispose();
  return facts;
}

describeWebGPU("trainLoop on webgpu", () => {
  test("reads the step losses once per stepsPerRead steps (plus one read per validation batch), with the same history either way", async () => {
    await tf.setBackend("webgpu");
    const every = await loop(1, 1);
    const batched = await loop(1, GPU_STEPS_PER_READ);
    // 4 steps: 4 reads one by one, 1 read when the host may run 8 steps ahead; validation: 1 batch, 1 read
    expect(every.map((e) => e.reads)).toEqual([4 + 1]);
    expect(batched.map((e) => e.reads)).toEqual([1 + 1]);
    expect(batched[0]!.trainLoss).toBe(every[0]!.trainLoss);
  });

  test("tf.memory() is flat across epochs: the same tensors and bytes after each, and the GPU pool stops growing", async () => {
    await tf.setBackend("webgpu");
    const facts = await loop(4, GPU_STEPS_PER_READ);
    expect(facts).toHaveLength(4);
    for (const f of facts.slice(1)) {
      expect(f.tensors).toBe(facts[0]!.tensors);
      expect(f.bytes).toBe(facts[0]!.bytes);
    }
    // tfjs-backend-webgpu keeps released buffers for reuse: the pool may grow during the first
    // epochs while shapes are first met, then stays put
    expect(facts[3]!.gpuBytesAllocated).toBeGreaterThan(0);
    expect(facts[3]!.gpuBytesAllocated).toBe(facts[2]!.gpuBytesAllocated);
  });
});
