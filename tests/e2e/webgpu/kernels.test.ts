import { afterAll, beforeAll, expect, test } from "bun:test";
import * as tf from "@tensorflow/tfjs";
import { ADAMW_KERNEL } from "../../../lib/backend/webgpu/adamw-update.ts";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, SWISH, SWISH_GRAD } from "../../../lib/backend/native/layers.ts";
import { buildModel, setDropoutStep, type Arch } from "../../../lib/models/index.ts";
import { stream } from "../../../lib/rng/index.ts";
import { AdamW } from "../../../lib/train/adamw.ts";
import { trainStepOnDevice } from "../../../lib/train/step.ts";
import { describeWebGPU, expectMatchesCpu, noAdapter, restoreBackend, type Inputs, useWebGPU } from "./harness.ts";

// Every kernel a training step of small-cnn and EfficientNet-B0 runs on webgpu, replayed against
// tfjs's cpu kernel of the same name: the step's kernel calls are recorded (name, input shapes
// and dtypes, attributes), then each distinct call runs on both backends with fresh random
// inputs (positive where the kernel's domain asks for it) and must agree within 1e-4 of the
// output's scale. The project's own kernels have no cpu kernel of their name: they are checked
// against the cpu ops they replace, on random shapes, in adamw.test.ts, conv-kernels.test.ts and
// fused-layers.test.ts.

/** Kernels of the project, checked in the other files against the tfjs ops they replace. */
const PROJECT_KERNELS = new Set([ADAMW_KERNEL, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, SWISH, SWISH_GRAD]);

beforeAll(async () => {
  if (!noAdapter) await useWebGPU();
});
afterAll(async () => {
  if (!noAdapter) await restoreBackend();
});

interface Call {
  name: string;
  inputs: Record<string, { shape: number[]; dtype: tf.DataType }>;
  attrs: Record<string, unknown>;
}

/** The distinct kernel calls of one training step of `arch` (the configuration of training.test.ts). */
async function recordStep(arch: Arch, size: number, batchSize: number): Promise<Call[]> {
  const built = buildModel(tf, { arch, imgSize: size, seed: 42 });
  const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tf.Variable, lr: 1e-3 }));
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const rng = stream(11, `record/${arch}`);
  const x = tf.tensor4d(Float32Array.from({ length: batchSize * size * size }, () => rng.float()), [batchSize, size, size, 1]);
  const engine = tf.engine();
  const runKernel = engine.runKernel.bind(engine);
  const calls = new Map<string, Call>();
  engine.runKernel = ((name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => {
    const call: Call = {
      name,
      inputs: Object.fromEntries(Object.entries(inputs).filter(([, t]) => t != null).map(([k, t]) => [k, { shape: [...t.shape], dtype: t.dtype }])),
      attrs: structuredClone(attrs ?? {}) as Record<string, unknown>,
    };
    calls.set(JSON.stringify(call), call);
    return runKernel(name, inputs, attrs);
  }) as typeof engine.runKernel;
  let stats: tf.Tensor | undefined;
  try {
    setDropoutStep(built.model, 1);
    stats = trainStepOnDevice(tf, built.model, optimizer, vars, [x], Array.from({ length: batchSize }, (_, i) => i % 4), null);
  } finally {
    engine.runKernel = runKernel as typeof engine.runKernel;
  }
  await stats.data();
  tf.dispose([stats, x]);
  optimizer.dispose();
  built.model.dispose();
  return [...calls.values()];
}

/** Kernels whose float inputs must be positive (logarithms, roots, divisors). */
const POSITIVE = new Set(["Log", "Sqrt", "Rsqrt", "RealDiv", "Pow", "Reciprocal"]);

/** Random inputs for a recorded call, in each kernel's domain. */
function inputsFor(call: Call, index: number): Inputs {
  const rng = stream(16, `replay/${index}`);
  const out: Inputs = {};
  for (const [key, { shape, dtype }] of Object.entries(call.inputs)) {
    const n = shape.reduce((p, d) => p * d, 1);
    if (dtype === "int32") {
      // indices within the depth (OneHot) or the gathered axis (GatherV2); class labels otherwise
      const bound = call.name === "OneHot" ? Number(call.attrs.depth) : call.name === "GatherV2" ? call.inputs.x!.shape[Number(call.attrs.axis ?? 0)]! : 4;
      out[key] = { shape, values: Int32Array.from({ length: n }, () => rng.int(bound)) };
    } else if (dtype === "bool") {
      out[key] = { shape, values: Int32Array.from({ length: n }, () => rng.int(2)), dtype: "bool" };
    } else {
      const positive = POSITIVE.has(call.name) || (call.name === "FusedBatchNorm" && key === "variance");
      out[key] = { shape, values: Float32Array.from({ length: n }, () => (positive ? 0.5 + 1.5 * rng.float() : rng.normal())) };
    }
  }
  return out;
}

const label = (c: Call) => `${c.name}(${Object.entries(c.inputs).map(([k, t]) => `${k} ${t.dtype} [${t.shape.join("×")}]`).join(", ")})`;

describeWebGPU("every kernel of a training step (webgpu) matches the cpu kernel", () => {
  for (const [arch, size, batchSize] of [["small-cnn", 32, 4], ["efficientnet-b0", 32, 4]] as const) {
    test(`${arch} ${size} px, batch ${batchSize}: each distinct kernel call, replayed with random inputs`, async () => {
      const calls = await recordStep(arch, size, batchSize);
      const names = new Set(calls.map((c) => c.name));
      // the step's convolutions, their gradients and the optimizer are among them
      for (const name of ["Conv2DBackpropFilter", "Conv2DBackpropInput", ADAMW_KERNEL]) expect(names).toContain(name);
      if (arch === "efficientnet-b0") for (const name of ["DepthwiseConv2dNativeBackpropFilter", BATCH_NORM_TRAIN_GRAD, SWISH_GRAD]) expect(names).toContain(name);
      const off: string[] = [];
      for (const [i, call] of calls.entries()) {
        if (PROJECT_KERNELS.has(call.name)) continue;
        try {
          await expectMatchesCpu(call.name, inputsFor(call, i), call.attrs);
        } catch (err) {
          off.push(`${label(call)}: ${(err as Error).message.split("\n")[0]}`);
        }
      }
      // the calls that disagree, with why (none)
      expect(off).toEqual([]);
    });
  }
});
