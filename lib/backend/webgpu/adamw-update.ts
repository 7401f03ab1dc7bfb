import type * as tfjs from "@tensorflow/tfjs";
import type { Tensor, Variable } from "@tensorflow/tfjs";

type TF = typeof tfjs;

/** One AdamW update in one kernel (webgpu): inputs w, g, m, v; attrs ADAMW_CONSTANTS; outputs [w', m', v']. */
export const ADAMW_KERNEL = "MammoWebGPUAdamW";

/** The update's float32 constants, in the order the kernel declares them. */
export const ADAMW_CONSTANTS = ["beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "decay", "sqrtBiasCorrection2", "epsilon", "stepSize"] as const;

/**
 * Applies one AdamW update (lib/train/adamw.ts's formula) with the webgpu kernel: 3 dispatches
 * instead of ~13. Returns false, doing nothing, on any other backend or for a tensor that is not
 * float32: the caller then runs its own ops. (This file loads nothing of the webgpu backend, so
 * lib/train can import it on every backend.)
 */
export function webgpuAdamWUpdate(
  tf: TF,
  u: { variable: Variable; gradient: Tensor; m: Variable; v: Variable; lr: number; step: number; decays: boolean },
  options: { beta1: number; beta2: number; epsilon: number; weightDecay: number },
): boolean {
  if (tf.getBackend() !== "webgpu" || tf.getKernel(ADAMW_KERNEL, "webgpu") === undefined) return false;
  if ([u.variable, u.gradient, u.m, u.v].some((t) => t.dtype !== "float32")) return false;
  const { beta1, beta2, epsilon, weightDecay } = options;
  // the same JavaScript numbers adamw.ts turns into float32 scalars
  const attrs: Record<(typeof ADAMW_CONSTANTS)[number], number> = {
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    decay: u.decays ? 1 - u.lr * weightDecay : 1,
    sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** u.step),
    epsilon,
    stepSize: u.lr / (1 - beta1 ** u.step),
  };
  const [w, m, v] = tf.engine().runKernel(ADAMW_KERNEL, { w: u.variable, g: u.gradient, m: u.m, v: u.v }, attrs) as Tensor[];
  u.m.assign(m!);
  u.v.assign(v!);
  u.variable.assign(w!);
  tf.dispose([w!, m!, v!]);
  return true;
}
