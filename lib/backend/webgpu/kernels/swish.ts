import type { KernelConfig, KernelFunc } from "@tensorflow/tfjs";
import { SWISH, SWISH_GRAD } from "../../native/layers.ts";
import { floatInput, flatProgram, run, type WebGPUKernelArgs } from "./program.ts";

/**
 * swish(x) = x·sigmoid(x) and its gradient dy·(s + x·s·(1 − s)), one dispatch each instead of
 * tfjs-layers' 3 forward and 6 gradient ops: the kernels behind lib/backend/native/layers.ts's
 * swish route, with the sigmoid tfjs-backend-webgpu computes (1 / (1 + exp(−x))).
 */
export const swishKernelConfigs: KernelConfig[] = [
  {
    kernelName: SWISH,
    backendName: "webgpu",
    kernelFunc: ((args: WebGPUKernelArgs) => {
      const x = floatInput(SWISH, args, "x");
      return run(args.backend, flatProgram({ key: "mammo_swish", inputs: ["x"], outputShape: x.shape, body: "let v = x[index]; result[index] = v * (1.0 / (1.0 + exp(-v)));" }), [x]);
    }) as unknown as KernelFunc,
  },
  {
    kernelName: SWISH_GRAD,
    backendName: "webgpu",
    kernelFunc: ((args: WebGPUKernelArgs) => {
      const x = floatInput(SWISH_GRAD, args, "x");
      const dy = floatInput(SWISH_GRAD, args, "dy");
      return run(
        args.backend,
        flatProgram({ key: "mammo_swish_grad", inputs: ["x", "dy"], outputShape: x.shape, body: "let v = x[index]; let s = 1.0 / (1.0 + exp(-v)); result[index] = dy[index] * (s + v * s * (1.0 - s));" }),
        [x, dy],
      );
    }) as unknown as KernelFunc,
  },
];
