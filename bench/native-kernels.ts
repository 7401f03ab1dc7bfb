// The native backend's kernels, timed one by one on the shapes of a 128 px, batch-16 training
// step (GFLOP/s where the work is a product), next to the wasm backend (and, with --cpu, tfjs's
// pure-JS cpu kernels); then a per-kernel profile of whole training steps on the native backend.
//
//   bun bench/native-kernels.ts [--reps 5] [--cpu] [--arch small-cnn|efficientnet-b0|all] [--steps 3]
//
// Threads: the native kernels use MAMMO_NATIVE_THREADS (default: every core); the "1 thread"
// column reruns them on one. wasm runs single-threaded under Bun. The cpu column (--cpu) is slow:
// tfjs's cpu Conv2DBackpropFilter alone takes about a minute on these shapes.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/index.ts";
import { nativeDetails, nativeThreads, registerNativeBackend } from "../lib/backend/native/index.ts";
import type { Arch } from "../lib/models/index.ts";
import { stream } from "../lib/rng/index.ts";
import { benchStep, kernelProfile, secondsPerStep } from "./step.ts";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const REPS = Number(option("reps", "5"));
const STEPS = Number(option("steps", "3"));
const ARCHS: Arch[] = option("arch", "all") === "all" ? ["small-cnn", "efficientnet-b0"] : [option("arch", "small-cnn") as Arch];
const BATCH = 16;
const SIZE = 128;

await initBackend("wasm");
await registerNativeBackend(tf);
tf.enableProdMode();
const threads = nativeThreads();

type Shape4 = [number, number, number, number];
/** One benchmark row: makes its inputs on the current backend and runs the work once. */
interface Case {
  label: string;
  /** Floating-point operations of one run, when the work is a product (conv, matmul). */
  flops?: number;
  setup(): { run(): void; dispose(): void };
}

const rng = stream(42, "bench/native-kernels");
const random = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);

/** A kernel run by name through the engine (tfjs has no op for the gradient kernels). */
function kernel(label: string, name: string, shapes: Record<string, number[]>, attrs: Record<string, unknown>, flops?: number): Case {
  return {
    label, flops,
    setup() {
      const inputs = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, random(s)]));
      return { run: () => tf.dispose(tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor), dispose: () => tf.dispose(Object.values(inputs)) };
    },
  };
}

function convCases(name: string, x: Shape4, f: Shape4, strides: number): Case[] {
  const info = tf.backend_util.computeConv2DInfo(x, f, strides, 1, "same");
  const flops = 2 * tf.util.sizeFromShape(info.outShape) * f[0] * f[1] * f[2];
  const attrs = { strides, pad: "same", dataFormat: "NHWC", dilations: 1 };
  const tag = `${name} ${x.slice(1).join("×")} ${f[0]}×${f[1]}→${f[3]}${strides > 1 ? " /2" : ""}`;
  return [
    kernel(`Conv2D ${tag}`, "Conv2D", { x, filter: f }, attrs, flops),
    kernel(`Conv2DBackpropInput ${tag}`, "Conv2DBackpropInput", { dy: info.outShape, filter: f }, { ...attrs, inputShape: x }, flops),
    kernel(`Conv2DBackpropFilter ${tag}`, "Conv2DBackpropFilter", { x, dy: info.outShape }, { ...attrs, filterShape: f }, flops),
  ];
}

function depthwiseCases(x: Shape4, k: number, strides: number): Case[] {
  const f: Shape4 = [k, k, x[3], 1];
  const info = tf.backend_util.computeConv2DInfo(x, f, strides, 1, "same", undefined, true);
  const flops = 2 * tf.util.sizeFromShape(info.outShape) * k * k;
  const attrs = { strides, pad: "same", dilations: 1 };
  const tag = `${x.slice(1).join("×")} ${k}×${k}${strides > 1 ? " /2" : ""}`;
  return [
    kernel(`DepthwiseConv2dNative ${tag}`, "DepthwiseConv2dNative", { x, filter: f }, attrs, flops),
    kernel(`DepthwiseBackpropInput ${tag}`, "DepthwiseConv2dNativeBackpropInput", { dy: info.outShape, filter: f }, { ...attrs, inputShape: x }, flops),
    kernel(`DepthwiseBackpropFilter ${tag}`, "DepthwiseConv2dNativeBackpropFilter", { x, dy: info.outShape }, { ...attrs, filterShape: f }, flops),
  ];
}

/** A layer's forward and backward pass in training mode (the native backend fuses batch norm and swish). */
function layerCase(label: string, make: () => tf.layers.Layer, shape: number[]): Case {
  return {
    label,
    setup() {
      const layer = make();
      const x = random(shape), dy = random(shape);
      const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)));
      return { run: () => tf.dispose(grad(x)), dispose: () => tf.dispose([x, dy]) };
    },
  };
}

const cases: Case[] = [
  ...convCases("small-cnn conv1", [BATCH, 128, 128, 1], [3, 3, 1, 16], 1),
  ...convCases("small-cnn conv2", [BATCH, 64, 64, 16], [3, 3, 16, 32], 1),
  ...convCases("small-cnn conv3", [BATCH, 32, 32, 32], [3, 3, 32, 64], 1),
  ...convCases("b0 stem", [BATCH, 128, 128, 1], [3, 3, 1, 32], 2),
  ...convCases("b0 expand", [BATCH, 32, 32, 24], [1, 1, 24, 144], 1),
  ...convCases("b0 project", [BATCH, 16, 16, 240], [1, 1, 240, 40], 1),
  ...convCases("b0 top", [BATCH, 4, 4, 320], [1, 1, 320, 1280], 1),
  ...depthwiseCases([BATCH, 64, 64, 96], 3, 2),
  ...depthwiseCases([BATCH, 16, 16, 240], 5, 1),
  ...depthwiseCases([BATCH, 8, 8, 672], 5, 2),
  kernel("BatchMatMul 16×1280 · 1280×4", "BatchMatMul", { a: [1, BATCH, 1280], b: [1, 1280, 4] }, { transposeA: false, transposeB: false }, 2 * BATCH * 1280 * 4),
  kernel("BatchMatMul 512×512 · 512×512", "BatchMatMul", { a: [1, 512, 512], b: [1, 512, 512] }, { transposeA: false, transposeB: false }, 2 * 512 ** 3),
  kernel("FusedBatchNorm 128×128×16 (inference)", "FusedBatchNorm", { x: [BATCH, 128, 128, 16], mean: [16], variance: [16], offset: [16], scale: [16] }, { varianceEpsilon: 1e-3 }),
  layerCase("batchNormalization fwd+bwd 128×128×16", () => tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5 }), [BATCH, 128, 128, 16]),
  layerCase("swish fwd+bwd 64×64×96", () => tf.layers.activation({ activation: "swish" }), [BATCH, 64, 64, 96]),
  kernel("Relu 128×128×16", "Relu", { x: [BATCH, 128, 128, 16] }, {}),
  kernel("Multiply 64×64×96 by 1×1×96 (squeeze-excite)", "Multiply", { a: [BATCH, 64, 64, 96], b: [BATCH, 1, 1, 96] }, {}),
  kernel("Sum 128×128×16 over batch and space", "Sum", { x: [BATCH, 128, 128, 16] }, { axis: [0, 1, 2], keepDims: false }),
  kernel("Mean 64×64×96 over space", "Mean", { x: [BATCH, 64, 64, 96] }, { axis: [1, 2], keepDims: false }),
  kernel("MaxPool 128×128×16 2×2/2", "MaxPool", { x: [BATCH, 128, 128, 16] }, { filterSize: 2, strides: 2, pad: "valid" }),
  kernel("MaxPoolGrad 128×128×16 2×2/2", "MaxPoolGrad", { dy: [BATCH, 64, 64, 16], input: [BATCH, 128, 128, 16], output: [BATCH, 64, 64, 16] },
    { filterSize: 2, strides: 2, pad: "valid" }),
];

/** Median milliseconds of `reps` runs (after one warm-up run) of `c` on `backend`. */
function time(backend: string, c: Case, reps: number): number {
  tf.setBackend(backend);
  const { run, dispose } = c.setup();
  run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const details = nativeDetails();
console.log(`native kernels: ${details.isa}, ${threads} threads; batch ${BATCH}; median of ${REPS} runs; wasm single-threaded`);
const header = ["kernel", `native ms`, "GFLOP/s", "1 thread ms", "GFLOP/s", "wasm ms", "GFLOP/s", "wasm/native", ...(flag("cpu") ? ["cpu ms"] : [])];
console.log(header.join(" | "));
const gf = (c: Case, ms: number) => (c.flops === undefined ? "" : (c.flops / ms / 1e6).toFixed(1));
for (const c of cases) {
  const native = time("native", c, REPS);
  nativeThreads(1);
  const one = threads > 1 ? time("native", c, REPS) : native;
  nativeThreads(threads);
  const wasm = time("wasm", c, REPS);
  const cpu = flag("cpu") ? [time("cpu", c, 1).toFixed(1)] : [];
  console.log([c.label, native.toFixed(2), gf(c, native), one.toFixed(2), gf(c, one), wasm.toFixed(2), gf(c, wasm), (wasm / native).toFixed(1), ...cpu].join(" | "));
}

/** Per-kernel profile of one training step of `arch` (every layer trainable, AdamW) after `STEPS` timed steps. */
async function profileStep(arch: Arch): Promise<void> {
  tf.setBackend("native");
  const step = benchStep(tf, arch, SIZE, BATCH);
  const stepMs = 1000 * secondsPerStep(step, STEPS, 1).wall;
  const { kernels } = await kernelProfile(tf, () => step.run());
  const total = kernels.reduce((s, k) => s + k.ms, 0);
  console.log(`\n${arch} ${SIZE} px, batch ${BATCH}: ${stepMs.toFixed(0)} ms per step (${((BATCH * 1000) / stepMs).toFixed(1)} images/s, mean of ${STEPS}); kernels of one profiled step (${total.toFixed(0)} ms in kernels):`);
  console.log("kernel | calls | ms | % of kernel time");
  for (const k of kernels.filter((k) => k.ms >= 0.01 * total)) {
    console.log(`${k.kernel} | ${k.calls} | ${k.ms.toFixed(1)} | ${((100 * k.ms) / total).toFixed(1)}`);
  }
  step.dispose();
}

for (const arch of ARCHS) await profileStep(arch);
