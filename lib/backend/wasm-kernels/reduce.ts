import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, SumAttrs, TensorInfo } from "@tensorflow/tfjs";
import { float32Views } from "./heap.ts";
import { originalKernel } from "./original.ts";

type KernelArgs = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: unknown };

/**
 * Sum and Mean of float32 over a contiguous run of axes, in one pass and without a transpose.
 * The wasm backend transposes the reduced axes innermost first; batch-norm's per-channel sums
 * (axes 0–2 of NHWC) and global average pooling (axes 1–2) pay a full copy for it. Viewing x
 * as [outer, reduced, inner], out[o, i] = Σ_r x[o, r, i], accumulated in float64 in increasing
 * r. Other cases (scattered axes, integer dtypes) go to the backend's own kernel.
 */
function reduce(kind: "Sum" | "Mean", args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as SumAttrs;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const contiguous = axes.length > 0 && axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
  if (x.dtype !== "float32" || !contiguous) return originalKernel(kind)(args as never) as TensorInfo;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  const size = (from: number, to: number) => x.shape.slice(from, to).reduce((p, d) => p * d, 1);
  const outer = size(0, first);
  const reduced = size(first, last + 1);
  const inner = size(last + 1, x.shape.length);
  const outShape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
  const { out, outData, inData } = float32Views(args.backend, kind, [x], outShape);
  const xs = inData[0]!;
  const acc = new Float64Array(inner);
  const scale = kind === "Mean" ? 1 / reduced : 1;
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let p = o * reduced * inner;
    for (let r = 0; r < reduced; r++, p += inner) {
      for (let i = 0; i < inner; i++) acc[i]! += xs[p + i]!;
    }
    // The Mean of an empty reduction stays NaN, as in tfjs (0 · ∞).
    for (let i = 0; i < inner; i++) outData[o * inner + i] = kind === "Mean" ? acc[i]! * scale : acc[i]!;
  }
  return out;
}

export const sumConfig: KernelConfig = {
  kernelName: "Sum",
  backendName: "wasm",
  kernelFunc: ((args: KernelArgs) => reduce("Sum", args)) as unknown as KernelConfig["kernelFunc"],
};

export const meanConfig: KernelConfig = {
  kernelName: "Mean",
  backendName: "wasm",
  kernelFunc: ((args: KernelArgs) => reduce("Mean", args)) as unknown as KernelConfig["kernelFunc"],
};
