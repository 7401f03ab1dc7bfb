import type { KernelConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { ADAMW_CONSTANTS, ADAMW_KERNEL } from "../adamw-update.ts";
import { floatInput, flatProgram, reshaped, run, type WebGPUKernelArgs } from "./program.ts";

const UNIFORMS = Object.fromEntries(ADAMW_CONSTANTS.map((name) => [name, "f32" as const]));

const program = (key: string, inputs: string[], size: number, body: string) =>
  flatProgram({ key: `mammo_adamw_${key}`, inputs, outputShape: [size], uniforms: UNIFORMS, body });

/**
 * lib/train/adamw.ts's update in three dispatches instead of ~13 (one per output: m', v', then
 * w' from the new moments), with the same float32 operations in the same order:
 * m' = m·β1 + g·(1−β1); v' = v·β2 + g²·(1−β2); w' = w·decay − (m' / (√v' / √bc2 + ε))·stepSize.
 */
export const adamwKernelConfig: KernelConfig = {
  kernelName: ADAMW_KERNEL,
  backendName: "webgpu",
  kernelFunc: ((args: WebGPUKernelArgs) => {
    const [w, g, m, v] = (["w", "g", "m", "v"] as const).map((name) => floatInput(ADAMW_KERNEL, args, name)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
    const attrs = args.attrs as NamedAttrMap;
    const values = Object.fromEntries(ADAMW_CONSTANTS.map((name) => [name, Number(attrs[name])]));
    const size = w.shape.reduce((p, d) => p * d, 1);
    const mOut = run(args.backend, program("m", ["m", "g"], size, "result[index] = m[index] * uniforms.beta1 + g[index] * uniforms.oneMinusBeta1;"), [m, g], values);
    const vOut = run(args.backend, program("v", ["v", "g"], size, "let gi = g[index]; result[index] = v[index] * uniforms.beta2 + (gi * gi) * uniforms.oneMinusBeta2;"), [v, g], values);
    const wOut = run(
      args.backend,
      program("w", ["w", "m", "v"], size, "let denom = sqrt(v[index]) / uniforms.sqrtBiasCorrection2 + uniforms.epsilon; result[index] = w[index] * uniforms.decay - (m[index] / denom) * uniforms.stepSize;"),
      [w, mOut, vOut],
      values,
    );
    // computed flat, handed back in w's shape
    return [reshaped(wOut, w.shape), reshaped(mOut, w.shape), reshaped(vOut, w.shape)];
  }) as unknown as KernelConfig["kernelFunc"],
};
