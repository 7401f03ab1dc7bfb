import { backend_util } from "@tensorflow/tfjs";
import type { KernelConfig, MaxPoolGradAttrs, TensorInfo } from "@tensorflow/tfjs";
import { float32Views } from "./heap.ts";

/**
 * Gradient of a 2-D max pool, NHWC. Replaces the wasm backend's kernel (~40 ms for one
 * 16×64×64×16 pool, several times its forward pass). Each window's gradient goes to its first
 * maximum in row-major order (strictly greater wins, as in tfjs's cpu backend; a window of
 * NaN or −∞ passes nothing). All channels of a pixel are scanned together.
 */
function maxPoolGrad(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: unknown }): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const { out, outData: dx, inData } = float32Views(args.backend, "MaxPoolGrad", [dy, input], input.shape);
  const dys = inData[0]!;
  const xs = inData[1]!;
  dx.fill(0);
  const best = new Float64Array(inChannels);
  const where = new Int32Array(inChannels);

  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = Math.max(0, oy * strideHeight - top);
      const y1 = Math.min(inHeight, oy * strideHeight - top + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = Math.max(0, ox * strideWidth - left);
        const x1 = Math.min(inWidth, ox * strideWidth - left + filterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const base = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            for (let c = 0; c < inChannels; c++) {
              const v = xs[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * inChannels;
        for (let c = 0; c < inChannels; c++) {
          const at = where[c]!;
          if (at >= 0) dx[at]! += dys[dyBase + c]!;
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: "MaxPoolGrad",
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as KernelConfig["kernelFunc"],
};
