import type { KernelConfig } from "@tensorflow/tfjs";
import { fusedBatchNormConfig } from "./batchnorm.ts";
import { conv2dBackpropFilterConfig, conv2dBackpropInputConfig, conv2dConfig, fusedConv2dConfig } from "./conv.ts";
import {
  depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig, depthwiseConv2dConfig, fusedDepthwiseConv2dConfig,
} from "./depthwise.ts";
import { elementwiseConfigs } from "./elementwise.ts";
import { batchMatMulConfig, fusedMatMulConfig } from "./matmul.ts";
import { maxPoolConfig, maxPoolGradConfig } from "./pool.ts";
import { reduceConfigs } from "./reduce.ts";

/**
 * The kernels the native backend computes in C++ (each falls back to the cpu kernel of the same
 * name for cases the addon does not cover); every other kernel is the cpu backend's.
 */
export const nativeKernelConfigs: readonly KernelConfig[] = [
  conv2dConfig, fusedConv2dConfig, conv2dBackpropInputConfig, conv2dBackpropFilterConfig,
  depthwiseConv2dConfig, fusedDepthwiseConv2dConfig, depthwiseBackpropInputConfig, depthwiseBackpropFilterConfig,
  batchMatMulConfig, fusedMatMulConfig, fusedBatchNormConfig, maxPoolConfig, maxPoolGradConfig,
  ...elementwiseConfigs, ...reduceConfigs,
];
