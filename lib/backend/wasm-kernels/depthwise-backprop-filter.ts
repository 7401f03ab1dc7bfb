import { backend_util } from "@tensorflow/tfjs";
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import { float32Views, outputRange, pair } from "./heap.ts";

/**
 * Filter gradient of a depthwise convolution, NHWC (missing from tfjs-backend-wasm; EfficientNet
 * needs it). With channel multiplier M and output channel d = c·M + m:
 * dW[kh, kw, c, m] = Σ over b, oy, ox of x[b, oy·sh + kh − top, ox·sw + kw − left, c] · dy[b, oy, ox, d],
 * accumulated in float64: for each tap and row, a sum over ox per channel.
 */
function depthwiseBackpropFilter(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: unknown }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as DepthwiseConv2dNativeBackpropFilterAttrs;
  const [dh, dw] = pair(dilations ?? 1);
  // tfjs's depthwise gradient refuses dilations > 1 before it gets here; keep that contract explicit.
  if (dh !== 1 || dw !== 1) throw new Error(`DepthwiseConv2dNativeBackpropFilter (wasm): dilations must be 1, got ${dh},${dw}`);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const mult = outChannels / inChannels;
  const { out, outData, inData } = float32Views(args.backend, "DepthwiseConv2dNativeBackpropFilter", [x, dy], filterShape);
  const xs = inData[0]!;
  const dys = inData[1]!;
  const acc = new Float64Array(filterHeight * filterWidth * outChannels);
  const xStep = strideWidth * inChannels;
  const c4 = mult === 1 ? inChannels - (inChannels % 4) : 0;

  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const dyRow = (b * outHeight + oy) * outWidth * outChannels;
      for (let kh = 0; kh < filterHeight; kh++) {
        const iy = oy * strideHeight + kh - top;
        if (iy < 0 || iy >= inHeight) continue;
        const xRow = (b * inHeight + iy) * inWidth * inChannels;
        for (let kw = 0; kw < filterWidth; kw++) {
          const [lo, hi] = outputRange(kw, left, strideWidth, inWidth, outWidth);
          const aBase = (kh * filterWidth + kw) * outChannels;
          const x0 = xRow + (lo * strideWidth + kw - left) * inChannels;
          const d0 = dyRow + lo * outChannels;
          // Channel multiplier 1 (EfficientNet): 4 channels summed in locals along the row,
          // about twice as fast as accumulating into memory channel by channel.
          for (let c = 0; c < c4; c += 4) {
            let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (let ox = lo, px = x0 + c, pd = d0 + c; ox < hi; ox++, px += xStep, pd += outChannels) {
              s0 += xs[px]! * dys[pd]!; s1 += xs[px + 1]! * dys[pd + 1]!;
              s2 += xs[px + 2]! * dys[pd + 2]!; s3 += xs[px + 3]! * dys[pd + 3]!;
            }
            acc[aBase + c]! += s0; acc[aBase + c + 1]! += s1; acc[aBase + c + 2]! += s2; acc[aBase + c + 3]! += s3;
          }
          for (let c = c4; c < inChannels; c++) {
            for (let m = 0; m < mult; m++) {
              let s = 0;
              for (let ox = lo, px = x0 + c, pd = d0 + c * mult + m; ox < hi; ox++, px += xStep, pd += outChannels) s += xs[px]! * dys[pd]!;
              acc[aBase + c * mult + m]! += s;
            }
          }
        }
      }
    }
  }
  outData.set(acc);
  return out;
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: depthwiseBackpropFilter as unknown as KernelConfig["kernelFunc"],
};
