import { backend_util } from "@tensorflow/tfjs";
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import { float32Views, pair } from "./heap.ts";

/**
 * Input gradient of a depthwise convolution, NHWC (missing from tfjs-backend-wasm; EfficientNet
 * needs it). With channel multiplier M:
 * dx[b, iy, ix, c] = Σ over kh, kw, m of dy[b, oy, ox, c·M + m] · w[kh, kw, c, m]
 * over the taps with iy = oy·sh + kh − top and ix = ox·sw + kw − left. Each input pixel gathers
 * its taps (listed once per row and column) with the sum in float64 locals, 4 channels at a time.
 */
function depthwiseBackpropInput(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: unknown }): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as DepthwiseConv2dNativeBackpropInputAttrs;
  const [dh, dw] = pair(dilations ?? 1);
  if (dh !== 1 || dw !== 1) throw new Error(`DepthwiseConv2dNativeBackpropInput (wasm): dilations must be 1, got ${dh},${dw}`);
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const mult = outChannels / inChannels;
  const { out, outData: dx, inData } = float32Views(args.backend, "DepthwiseConv2dNativeBackpropInput", [dy, filter], inputShape);
  const dys = inData[0]!;
  const w = inData[1]!;
  const rows = taps(inHeight, outHeight, filterHeight, strideHeight, info.padInfo.top);
  const cols = taps(inWidth, outWidth, filterWidth, strideWidth, info.padInfo.left);
  const c4 = mult === 1 ? inChannels - (inChannels % 4) : 0;

  for (let b = 0; b < batchSize; b++) {
    for (let iy = 0; iy < inHeight; iy++) {
      const khs = rows.k[iy]!;
      const oys = rows.o[iy]!;
      for (let ix = 0; ix < inWidth; ix++) {
        const kws = cols.k[ix]!;
        const oxs = cols.o[ix]!;
        const dst = ((b * inHeight + iy) * inWidth + ix) * inChannels;
        for (let c = 0; c < c4; c += 4) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let a = 0; a < khs.length; a++) {
            const dyRow = (b * outHeight + oys[a]!) * outWidth;
            const wRow = khs[a]! * filterWidth;
            for (let e = 0; e < kws.length; e++) {
              const pd = (dyRow + oxs[e]!) * outChannels + c;
              const pw = (wRow + kws[e]!) * outChannels + c;
              s0 += dys[pd]! * w[pw]!; s1 += dys[pd + 1]! * w[pw + 1]!;
              s2 += dys[pd + 2]! * w[pw + 2]!; s3 += dys[pd + 3]! * w[pw + 3]!;
            }
          }
          dx[dst + c] = s0; dx[dst + c + 1] = s1; dx[dst + c + 2] = s2; dx[dst + c + 3] = s3;
        }
        for (let c = c4; c < inChannels; c++) {
          let s = 0;
          for (let a = 0; a < khs.length; a++) {
            const dyRow = (b * outHeight + oys[a]!) * outWidth;
            const wRow = khs[a]! * filterWidth;
            for (let e = 0; e < kws.length; e++) {
              const pd = (dyRow + oxs[e]!) * outChannels + c * mult;
              const pw = (wRow + kws[e]!) * outChannels + c * mult;
              for (let m = 0; m < mult; m++) s += dys[pd + m]! * w[pw + m]!;
            }
          }
          dx[dst + c] = s;
        }
      }
    }
  }
  return out;
}

/**
 * For each input index i along one axis, the filter taps k and output indices o with
 * i = o·stride + k − padBefore (0 ≤ o < outSize), in increasing k.
 */
function taps(inSize: number, outSize: number, filterSize: number, stride: number, padBefore: number): { k: number[][]; o: number[][] } {
  const k: number[][] = [];
  const o: number[][] = [];
  for (let i = 0; i < inSize; i++) {
    const ks: number[] = [];
    const os: number[] = [];
    for (let t = 0; t < filterSize; t++) {
      const q = i + padBefore - t;
      if (q < 0 || q % stride !== 0 || q / stride >= outSize) continue;
      ks.push(t);
      os.push(q / stride);
    }
    k.push(ks);
    o.push(os);
  }
  return { k, o };
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: depthwiseBackpropInput as unknown as KernelConfig["kernelFunc"],
};
