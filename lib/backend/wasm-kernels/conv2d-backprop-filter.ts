import * as tf from "@tensorflow/tfjs";
import type { Conv2DBackpropFilterAttrs, KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { addAtB } from "./gemm.ts";
import { chunkRows, float32Views } from "./heap.ts";

/**
 * Filter gradient of a 2-D convolution, NHWC (missing from tfjs-backend-wasm).
 * dW[kh, kw, ci, co] = Σ over batch b and output pixel (oy, ox) of
 * x[b, oy·sh + kh − top, ox·sw + kw − left, ci] · dy[b, oy, ox, co].
 * Two ways, chosen by shape (measured on 16×64×64 to 16×8×8 activations):
 * - a k×k filter over ≥ 8 input channels: the sum is itself a convolution, of x with its batch
 *   and channel axes swapped ([ci, h, w, b]) by dy as a filter ([oh, ow, b, co]), dilated by the
 *   stride; the backend's XNNPACK Conv2D does it about twice as fast as the loop below;
 * - otherwise (1×1 filters, one input channel): patchesᵀ · dy with one im2col patch (kh·kw·ci
 *   values) per output pixel, built a chunk at a time and accumulated in float64. A 1×1,
 *   stride-1, unpadded convolution (most of EfficientNet) reads its patches straight from x.
 */
function conv2dBackpropFilter(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: unknown }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as Conv2DBackpropFilterAttrs;
  if (dataFormat !== "NHWC") throw new Error(`Conv2DBackpropFilter (wasm): only NHWC is supported, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast",
  );
  if (info.filterHeight * info.filterWidth > 1 && info.inChannels >= 8) return viaDilatedConv(args.backend as BackendWasm, x, dy, info);
  return viaMatMul(args.backend, x, dy, info);
}

function viaDilatedConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  if (x.dtype !== "float32" || dy.dtype !== "float32") throw new Error("Conv2DBackpropFilter (wasm): expected float32 inputs");
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const xT = backend.makeOutput([ci, h, w, nb], "float32");
  const dyT = backend.makeOutput([oh, ow, nb, co], "float32");
  let sums: TensorInfo | undefined;
  try {
    const xs = backend.typedArrayFromHeap(x) as Float32Array;
    const xt = backend.typedArrayFromHeap(xT) as Float32Array;
    const pixels = h * w;
    for (let b = 0; b < nb; b++) {
      for (let p = 0; p < pixels; p++) {
        const src = (b * pixels + p) * ci;
        for (let c = 0; c < ci; c++) xt[(c * pixels + p) * nb + b] = xs[src + c]!;
      }
    }
    const dys = backend.typedArrayFromHeap(dy) as Float32Array;
    const dyt = backend.typedArrayFromHeap(dyT) as Float32Array;
    const outPixels = oh * ow;
    for (let b = 0; b < nb; b++) {
      for (let p = 0; p < outPixels; p++) dyt.set(dys.subarray((b * outPixels + p) * co, (b * outPixels + p + 1) * co), (p * nb + b) * co);
    }
    // Pad after the input so that the result has at least kh × kw positions; extra ones are dropped.
    const bottom = Math.max(0, kh + sh * (oh - 1) - h - top);
    const right = Math.max(0, kw + sw * (ow - 1) - w - left);
    const conv2d = tf.getKernel("Conv2D", "wasm");
    if (conv2d === undefined) throw new Error("Conv2DBackpropFilter (wasm): the backend has no Conv2D kernel");
    sums = conv2d.kernelFunc({
      inputs: { x: xT, filter: dyT },
      backend,
      attrs: { strides: 1, dilations: [sh, sw], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: "NHWC" },
    }) as TensorInfo;
    const [, rh, rw] = sums.shape as [number, number, number, number];
    const out = backend.makeOutput(info.filterShape, "float32");
    const r = backend.typedArrayFromHeap(sums) as Float32Array;
    const dw = backend.typedArrayFromHeap(out) as Float32Array;
    for (let c = 0; c < ci; c++) {
      for (let y = 0; y < kh; y++) {
        for (let xx = 0; xx < kw; xx++) {
          const src = ((c * rh + y) * rw + xx) * co;
          dw.set(r.subarray(src, src + co), ((y * kw + xx) * ci + c) * co);
        }
      }
    }
    return out;
  } finally {
    backend.disposeData(xT.dataId);
    backend.disposeData(dyT.dataId);
    if (sums !== undefined) backend.disposeData(sums.dataId);
  }
}

function viaMatMul(backend: unknown, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const filterShape = info.filterShape;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const { out, outData, inData } = float32Views(backend, "Conv2DBackpropFilter", [x, dy], filterShape);
  const xs = inData[0]!;
  const dys = inData[1]!;

  const patchLen = filterHeight * filterWidth * inChannels;
  const positions = batchSize * outHeight * outWidth;
  const acc = new Float64Array(patchLen * outChannels);
  const pointwise = filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 && top === 0 && left === 0 &&
    outHeight === inHeight && outWidth === inWidth;
  if (pointwise) {
    const rows = chunkRows(inChannels + outChannels, positions);
    for (let p0 = 0; p0 < positions; p0 += rows) {
      addAtB(acc, xs, p0 * inChannels, inChannels, dys, p0 * outChannels, outChannels, inChannels, outChannels, Math.min(rows, positions - p0));
    }
    outData.set(acc);
    return out;
  }
  const chunk = chunkRows(patchLen + outChannels, positions);
  const patches = new Float32Array(patchLen * chunk);
  let b = 0;
  let oy = 0;
  let ox = 0;
  for (let p0 = 0; p0 < positions; p0 += chunk) {
    const n = Math.min(chunk, positions - p0);
    let dst = 0;
    for (let p = 0; p < n; p++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const iy = oy * strideHeight + kh - top;
        const rowInside = iy >= 0 && iy < inHeight;
        for (let kw = 0; kw < filterWidth; kw++, dst += inChannels) {
          const ix = ox * strideWidth + kw - left;
          if (rowInside && ix >= 0 && ix < inWidth) {
            const src = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) patches[dst + ci] = xs[src + ci]!;
          } else {
            patches.fill(0, dst, dst + inChannels);
          }
        }
      }
      if (++ox === outWidth) {
        ox = 0;
        if (++oy === outHeight) {
          oy = 0;
          b++;
        }
      }
    }
    addAtB(acc, patches, 0, patchLen, dys, p0 * outChannels, outChannels, patchLen, outChannels, n);
  }
  outData.set(acc);
  return out;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig["kernelFunc"],
};
