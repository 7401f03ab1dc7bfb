// What bench/train.ts and bench/native-kernels.ts time: one training step of a network as the
// `train` task runs it (every layer trainable, AdamW + cross-entropy, seeded dropout) on seeded
// random images, and a per-kernel profile of such a step.
import { readFileSync } from "node:fs";
import type * as tfjs from "@tensorflow/tfjs";
import { TaskError } from "../lib/errors/index.ts";
import { buildModel, setDropoutStep, type Arch } from "../lib/models/index.ts";
import { stream } from "../lib/rng/index.ts";
import { AdamW } from "../lib/train/adamw.ts";
import { batchInputs, trainStep } from "../lib/train/step.ts";

type TF = typeof tfjs;

/** A network ready to train on one fixed batch: `run` does one step, `dispose` frees everything. */
export interface BenchStep {
  run(): void;
  dispose(): void;
  /** Floating-point operations of one step: 3 × the forward pass's convolutions and dense layers (forward, input and weight gradients). */
  flops: number;
}

/**
 * Multiply-adds × 2 of a forward pass of `model` on one image, over its Conv2D (2·outH·outW·kH·kW·Cin·Cout),
 * DepthwiseConv2D (2·outH·outW·kH·kW·C) and Dense (2·in·out) layers; the element-wise work is not counted.
 */
export function forwardFlops(model: tfjs.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind !== "Conv2D" && kind !== "DepthwiseConv2D" && kind !== "Dense") continue;
    const kernel = layer.getWeights()[0]!.shape;
    const out = layer.outputShape as number[];
    const pixels = kind === "Dense" ? 1 : (out[1] as number) * (out[2] as number);
    flops += 2 * pixels * kernel.reduce((p, d) => p * d, 1);
  }
  return flops;
}

/** One training step of `arch` at `size` px on `batch` seeded random images, on the backend in use. */
export function benchStep(tf: TF, arch: Arch, size: number, batch: number): BenchStep {
  const built = buildModel(tf, { arch, imgSize: size, numClasses: 4, dropout: 0.2, seed: 42 });
  const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tfjs.Variable, lr: 1e-4 }));
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const rng = stream(42, "bench/train");
  const part = {
    images: Array.from({ length: batch }, () => Float32Array.from({ length: size * size }, () => rng.float())),
    labels: Array.from({ length: batch }, () => rng.int(4)),
  };
  const indices = part.labels.map((_, i) => i);
  let stepNo = 0;
  return {
    flops: 3 * batch * forwardFlops(built.model),
    run() {
      setDropoutStep(built.model, ++stepNo);
      const inputs = batchInputs(tf, part, indices, size);
      trainStep(tf, built.model, optimizer, vars, inputs, part.labels, null);
      tf.dispose(inputs);
    },
    dispose() {
      optimizer.dispose();
      built.model.dispose();
    },
  };
}

/** Wall and CPU (every thread) seconds per step: means of `steps` steps after `warmup` untimed ones. */
export function secondsPerStep(step: BenchStep, steps: number, warmup: number): { wall: number; cpu: number } {
  for (let s = 0; s < warmup; s++) step.run();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let s = 0; s < steps; s++) step.run();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / 1000 / steps, cpu: (cpu.user + cpu.system) / 1e6 / steps };
}

/** One kernel's share of a profiled step. */
export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

/** A profiled step: time per kernel name, slowest first, and tfjs's peak of tensor bytes (it counts a clone or reshape, which shares its data, again). */
export interface StepProfile {
  kernels: KernelTime[];
  peakTensorMb: number;
}

/** Profile of one `run()` (tf.profile; kernels of fused ops' "__op" wrappers not counted twice). */
export async function kernelProfile(tf: TF, run: () => void): Promise<StepProfile> {
  const profile = await tf.profile(run);
  const byKernel = new Map<string, KernelTime>();
  for (const k of profile.kernels) {
    // tf.profile also lists the op wrappers of fused ops (names ending in "__op"), which contain their kernel
    if (k.name.endsWith("__op")) continue;
    const entry = byKernel.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    entry.ms += (await k.kernelTimeMs) as number;
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const kernels = [...byKernel.values()].map((k) => ({ ...k, ms: Number(k.ms.toFixed(2)) })).sort((a, b) => b.ms - a.ms);
  return { kernels, peakTensorMb: Number((profile.peakBytes / 2 ** 20).toFixed(1)) };
}

/** Peak resident memory of this process so far, MiB (VmHWM: exact, kept by the kernel, not sampled). */
export function peakRssMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (match === null) throw new TaskError("no_peak_rss", "peak RSS: no VmHWM line in /proc/self/status");
  return Number(match[1]) / 1024;
}

/** Wall and CPU (every thread) seconds of one n×n×n matrix product on the backend in use: median of `reps`. */
export function sgemmSeconds(tf: TF, n: number, reps: number): { wall: number; cpu: number } {
  const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
  tf.matMul(a, b).dispose();
  const runs = Array.from({ length: reps }, () => {
    const start = performance.now(), cpuStart = process.cpuUsage();
    tf.matMul(a, b).dispose();
    const cpu = process.cpuUsage(cpuStart);
    return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  });
  tf.dispose([a, b]);
  const median = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)] as number;
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}
