import * as tf from "@tensorflow/tfjs";
import type { KernelConfig } from "@tensorflow/tfjs";
import { conv2dBackpropFilterConfig } from "./conv2d-backprop-filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d-backprop-input.ts";
import { depthwiseBackpropFilterConfig } from "./depthwise-backprop-filter.ts";
import { depthwiseBackpropInputConfig } from "./depthwise-backprop-input.ts";
import { identityConfig } from "./identity.ts";
import { maxPoolGradConfig } from "./max-pool-grad.ts";
import { keepOriginal } from "./original.ts";
import { meanConfig, sumConfig } from "./reduce.ts";
import { tileConfig } from "./tile.ts";

/**
 * The project's kernels for the wasm backend. Missing from tfjs-backend-wasm 4.22, needed to
 * train: Conv2DBackpropFilter (any conv net) and the two depthwise gradients (EfficientNet).
 * Replaced because the backend's own were the slowest part of a training step: Conv2DBackpropInput,
 * MaxPoolGrad, Tile, Sum and Mean (the batch-norm gradient and global pooling), and Identity
 * (copied where it can share). All run single-threaded with a fixed summation order
 * (deterministic); float32 sums accumulate in float64.
 */
export const wasmKernelConfigs: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  maxPoolGradConfig,
  tileConfig,
  sumConfig,
  meanConfig,
  identityConfig,
];

/**
 * Registers `wasmKernelConfigs` for the "wasm" backend, replacing the backend's kernels of the
 * same name (kept for the cases a replacement delegates). Call after the wasm backend is
 * initialised, so the replaced kernels were set up. Idempotent. Returns the kernel names.
 */
export function registerWasmKernels(): string[] {
  for (const config of wasmKernelConfigs) {
    const current = tf.getKernel(config.kernelName, "wasm");
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      keepOriginal(current);
      tf.unregisterKernel(config.kernelName, "wasm");
    }
    tf.registerKernel(config);
  }
  return wasmKernelConfigs.map((config) => config.kernelName);
}
