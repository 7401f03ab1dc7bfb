import type { FusedBatchNormAttrs, KernelConfig } from "@tensorflow/tfjs";
import { f32, nativeKernel, output } from "./util.ts";

/**
 * FusedBatchNorm over the last axis: mean/variance/offset/scale each of length 1 or C (the
 * cpu kernel handles any other broadcast).
 */
export const fusedBatchNormConfig: KernelConfig = nativeKernel("FusedBatchNorm", ({ inputs, backend, attrs }) => {
  const xInfo = inputs.x;
  const x = f32(backend, xInfo), mean = f32(backend, inputs.mean), variance = f32(backend, inputs.variance);
  if (xInfo === undefined || x === null || mean === null || variance === null || xInfo.shape.length === 0) return null;
  const offset = inputs.offset === undefined ? null : f32(backend, inputs.offset);
  const scale = inputs.scale === undefined ? null : f32(backend, inputs.scale);
  if ((inputs.offset !== undefined && offset === null) || (inputs.scale !== undefined && scale === null)) return null;
  const channels = xInfo.shape[xInfo.shape.length - 1]!;
  const fits = (v: Float32Array | null) => v === null || v.length === 1 || v.length === channels;
  if (channels === 0 || !fits(mean) || !fits(variance) || !fits(offset) || !fits(scale)) return null;
  const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
  const out = backend.alloc(x.length);
  backend.addon.batchNorm(x, mean, variance, offset, scale, varianceEpsilon, out, channels);
  return output(backend, xInfo.shape, out);
});
