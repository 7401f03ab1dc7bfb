import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, MaxPoolAttrs, MaxPoolGradAttrs } from "@tensorflow/tfjs";
import { alloc, f32, geometry, nativeKernel, output } from "./util.ts";

type Shape4 = [number, number, number, number];

/** MaxPool, NHWC float32. */
export const maxPoolConfig: KernelConfig = nativeKernel("MaxPool", ({ inputs, backend, attrs }) => {
  const x = f32(backend, inputs.x);
  if (x === null) return null;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolAttrs;
  const info = tf.backend_util.computePool2DInfo(inputs.x!.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const out = alloc(backend, info.outShape);
  backend.addon.maxPool(x, out, geometry(info));
  return output(backend, info.outShape, out);
});

/** MaxPoolGrad: each window's dy goes to its first maximum (row-major), as the cpu kernel does. */
export const maxPoolGradConfig: KernelConfig = nativeKernel("MaxPoolGrad", ({ inputs, backend, attrs }) => {
  const dy = f32(backend, inputs.dy), x = f32(backend, inputs.input);
  if (dy === null || x === null) return null;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(inputs.input!.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const dx = alloc(backend, info.inShape);
  backend.addon.maxPoolGrad(dy, x, dx, geometry(info));
  return output(backend, info.inShape, dx);
});
