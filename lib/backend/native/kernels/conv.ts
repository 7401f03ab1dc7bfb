import * as tf from "@tensorflow/tfjs";
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, FusedConv2DAttrs, KernelConfig } from "@tensorflow/tfjs";
import { activationCode, alloc, channelBias, f32, geometry, nativeKernel, output, type KernelArgs } from "./util.ts";

type Shape4 = [number, number, number, number];

/**
 * Conv2D and FusedConv2D (bias + linear/relu/relu6/leakyrelu/sigmoid/elu), NHWC, any stride,
 * padding and dilation: the addon's register-tiled product over shifted rows of the zero-padded
 * input (native/src/conv.cc). NCHW, prelu or a non-per-channel bias fall back to the cpu kernel.
 */
function forward(args: KernelArgs, fused: boolean) {
  const { backend } = args;
  const attrs = args.attrs as unknown as FusedConv2DAttrs;
  const x = f32(backend, args.inputs.x), filter = f32(backend, args.inputs.filter);
  if (x === null || filter === null || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const act = fused ? activationCode(attrs.activation) : 0;
  if (act === undefined) return null;
  const xInfo = args.inputs.x!, fInfo = args.inputs.filter!;
  const info = tf.backend_util.computeConv2DInfo(xInfo.shape as Shape4, fInfo.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad,
    attrs.dimRoundingMode, false, "channelsLast");
  const bias = fused ? channelBias(backend, args.inputs.bias, info.outChannels) : null;
  if (bias === undefined) return null;
  const out = alloc(backend, info.outShape);
  backend.addon.conv2d(x, filter, bias, out, geometry(info), act, attrs.leakyreluAlpha ?? 0);
  return output(backend, info.outShape, out);
}

export const conv2dConfig: KernelConfig = nativeKernel("Conv2D", (args) => forward(args, false));
export const fusedConv2dConfig: KernelConfig = nativeKernel("FusedConv2D", (args) => forward(args, true));

/** Conv2DBackpropInput: dx from dy and the filter (tfjs gives it no dilation). */
export const conv2dBackpropInputConfig: KernelConfig = nativeKernel("Conv2DBackpropInput", (args) => {
  const { backend } = args;
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const dy = f32(backend, args.inputs.dy), filter = f32(backend, args.inputs.filter);
  if (dy === null || filter === null || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, args.inputs.filter!.shape as Shape4, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, "channelsLast");
  const dx = alloc(backend, info.inShape);
  backend.addon.conv2dBackpropInput(dy, filter, dx, geometry(info));
  return output(backend, info.inShape, dx);
});

/** Conv2DBackpropFilter: the filter gradient, summed over the batch in fixed groups of output rows. */
export const conv2dBackpropFilterConfig: KernelConfig = nativeKernel("Conv2DBackpropFilter", (args) => {
  const { backend } = args;
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const x = f32(backend, args.inputs.x), dy = f32(backend, args.inputs.dy);
  if (x === null || dy === null || (attrs.dataFormat ?? "NHWC") !== "NHWC") return null;
  const info = tf.backend_util.computeConv2DInfo(args.inputs.x!.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad,
    attrs.dimRoundingMode, false, "channelsLast");
  const df = alloc(backend, attrs.filterShape);
  backend.addon.conv2dBackpropFilter(x, dy, df, geometry(info));
  return output(backend, attrs.filterShape, df);
});

