import * as tf from "@tensorflow/tfjs";
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs, DepthwiseConv2dNativeBackpropInputAttrs, FusedDepthwiseConv2DAttrs, KernelConfig,
} from "@tensorflow/tfjs";
import { activationCode, alloc, channelBias, f32, geometry, nativeKernel, output, type KernelArgs } from "./util.ts";

type Shape4 = [number, number, number, number];

/**
 * Depthwise convolution with a channel multiplier of 1 (EfficientNet's), NHWC, and its two
 * gradients (native/src/depthwise.cc). Other multipliers fall back to the cpu kernels.
 */
function forward(args: KernelArgs, fused: boolean) {
  const { backend } = args;
  const attrs = args.attrs as unknown as FusedDepthwiseConv2DAttrs;
  const x = f32(backend, args.inputs.x), filter = f32(backend, args.inputs.filter);
  const fShape = args.inputs.filter?.shape;
  if (x === null || filter === null || fShape?.[3] !== 1 || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const act = fused ? activationCode(attrs.activation) : 0;
  if (act === undefined) return null;
  const info = tf.backend_util.computeConv2DInfo(args.inputs.x!.shape as Shape4, fShape as Shape4, attrs.strides, attrs.dilations ?? [1, 1],
    attrs.pad, attrs.dimRoundingMode, true);
  const bias = fused ? channelBias(backend, args.inputs.bias, info.outChannels) : null;
  if (bias === undefined) return null;
  const out = alloc(backend, info.outShape);
  backend.addon.depthwise(x, filter, bias, out, geometry(info), act, attrs.leakyreluAlpha ?? 0);
  return output(backend, info.outShape, out);
}

export const depthwiseConv2dConfig: KernelConfig = nativeKernel("DepthwiseConv2dNative", (args) => forward(args, false));
export const fusedDepthwiseConv2dConfig: KernelConfig = nativeKernel("FusedDepthwiseConv2D", (args) => forward(args, true));

export const depthwiseBackpropInputConfig: KernelConfig = nativeKernel("DepthwiseConv2dNativeBackpropInput", (args) => {
  const { backend } = args;
  const attrs = args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const dy = f32(backend, args.inputs.dy), filter = f32(backend, args.inputs.filter);
  const fShape = args.inputs.filter?.shape;
  if (dy === null || filter === null || fShape?.[3] !== 1) return null;
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, fShape as Shape4, attrs.strides, attrs.dilations, attrs.pad,
    attrs.dimRoundingMode, true);
  const dx = alloc(backend, info.inShape);
  backend.addon.depthwiseBackpropInput(dy, filter, dx, geometry(info));
  return output(backend, info.inShape, dx);
});

export const depthwiseBackpropFilterConfig: KernelConfig = nativeKernel("DepthwiseConv2dNativeBackpropFilter", (args) => {
  const { backend } = args;
  const attrs = args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const x = f32(backend, args.inputs.x), dy = f32(backend, args.inputs.dy);
  if (x === null || dy === null || attrs.filterShape[3] !== 1) return null;
  const info = tf.backend_util.computeConv2DInfo(args.inputs.x!.shape as Shape4, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad,
    attrs.dimRoundingMode, true);
  const df = alloc(backend, attrs.filterShape);
  backend.addon.depthwiseBackpropFilter(x, dy, df, geometry(info));
  return output(backend, attrs.filterShape, df);
});
