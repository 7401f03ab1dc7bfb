import type * as tfjs from "@tensorflow/tfjs";
import type { KernelConfig, NamedAttrMap, Tensor, Variable } from "@tensorflow/tfjs";
import { f32, output, type KernelArgs } from "./kernels/util.ts";

type TF = typeof tfjs;

/** One AdamW update in one kernel: inputs w, g, m, v; attrs: the update's float32 constants; outputs [w', m', v']. */
const ADAMW = "MammoNativeAdamW";

const CONSTANTS = ["beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "decay", "sqrtBiasCorrection2", "epsilon", "stepSize"] as const;

export const adamwKernelConfig: KernelConfig = {
  kernelName: ADAMW,
  backendName: "native",
  kernelFunc: ((args: KernelArgs) => {
    const [w, g, m, v] = (["w", "g", "m", "v"] as const).map((name) => {
      const values = f32(args.backend, args.inputs[name]);
      if (values === null) throw new Error(`${ADAMW}: input ${name} must be a float32 tensor`);
      return values;
    }) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const { backend } = args;
    const wOut = backend.alloc(w.length), mOut = backend.alloc(w.length), vOut = backend.alloc(w.length);
    const attrs = args.attrs as NamedAttrMap;
    const k = CONSTANTS.map((name) => Number(attrs[name])) as [number, number, number, number, number, number, number, number];
    backend.addon.adamw(w, g, m, v, wOut, mOut, vOut, ...k);
    const shape = args.inputs.w!.shape;
    return [output(backend, shape, wOut), output(backend, shape, mOut), output(backend, shape, vOut)];
  }) as unknown as KernelConfig["kernelFunc"],
};

/** A variable's AdamW update: its gradient, its moment slots, learning rate and the slot's step count (≥ 1). */
export interface AdamWUpdate {
  variable: Variable;
  gradient: Tensor;
  m: Variable;
  v: Variable;
  lr: number;
  step: number;
  /** Whether decoupled weight decay applies to this variable. */
  decays: boolean;
}

/**
 * Applies one AdamW update (lib/train/adamw.ts's formula: m ← β1·m + (1−β1)·g,
 * v ← β2·v + (1−β2)·g², w ← w·(1 − lr·wd) − lr/bc1 · m / (√v/√bc2 + ε)) in one native kernel
 * instead of ~13 tfjs ops, bit-identical to those ops on the cpu and native backends. Returns
 * false, doing nothing, when the backend in use is not "native" or a tensor is not float32: the
 * caller then runs its own ops.
 */
export function nativeAdamWUpdate(
  tf: TF,
  u: AdamWUpdate,
  options: { beta1: number; beta2: number; epsilon: number; weightDecay: number },
): boolean {
  if (tf.getBackend() !== "native" || [u.variable, u.gradient, u.m, u.v].some((t) => t.dtype !== "float32")) return false;
  const { beta1, beta2, epsilon, weightDecay } = options;
  // the same JavaScript numbers adamw.ts turns into float32 scalars
  const attrs = {
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    decay: u.decays ? 1 - u.lr * weightDecay : 1,
    sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** u.step),
    epsilon,
    stepSize: u.lr / (1 - beta1 ** u.step),
  };
  const [w, m, v] = tf.engine().runKernel(ADAMW, { w: u.variable, g: u.gradient, m: u.m, v: u.v }, attrs) as Tensor[];
  u.m.assign(m!);
  u.v.assign(v!);
  u.variable.assign(w!);
  tf.dispose([w!, m!, v!]);
  return true;
}
