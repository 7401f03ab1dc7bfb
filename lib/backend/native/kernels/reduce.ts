import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, MaxAttrs, SumAttrs } from "@tensorflow/tfjs";
import { f32, nativeKernel, output } from "./util.ts";

/** Codes of native/src/reduce.h's ReduceOp. */
const REDUCE: Record<string, number> = { Sum: 0, Mean: 1, Max: 2, Min: 3 };

/**
 * The input seen as [A, R, C] with the reduced axes forming R, or null when they are not one
 * run of neighbouring dimensions (size-1 dimensions are ignored).
 */
function reductionView(shape: readonly number[], axes: readonly number[]): { a: number; r: number; c: number } | null {
  const reduced = new Set(axes);
  const dims = shape.map((size, i) => ({ size, reduced: reduced.has(i) })).filter((d) => d.size !== 1);
  const first = dims.findIndex((d) => d.reduced);
  if (first < 0) return { a: tf.util.sizeFromShape(shape as number[]), r: 1, c: 1 };
  let last = first;
  while (last + 1 < dims.length && dims[last + 1]!.reduced) last++;
  if (dims.slice(last + 1).some((d) => d.reduced)) return null;
  const product = (ds: typeof dims) => ds.reduce((p, d) => p * d.size, 1);
  return { a: product(dims.slice(0, first)), r: product(dims.slice(first, last + 1)), c: product(dims.slice(last + 1)) };
}

function reduction(kernelName: string): KernelConfig {
  return nativeKernel(kernelName, ({ inputs, backend, attrs }) => {
    const x = f32(backend, inputs.x);
    if (x === null || x.length === 0) return null;
    // Max names its axes reductionIndices; Sum, Mean and Min name them axis
    const { axis, reductionIndices, keepDims } = attrs as unknown as SumAttrs & MaxAttrs;
    const shape = inputs.x!.shape;
    const axes = tf.util.parseAxisParam(axis ?? reductionIndices, shape);
    const view = reductionView(shape, axes);
    if (view === null) return null;
    let [outShape] = tf.backend_util.computeOutAndReduceShapes(shape, axes);
    if (keepDims) outShape = tf.backend_util.expandShapeToKeepDim(outShape, axes);
    const out = backend.alloc(view.a * view.c);
    backend.addon.reduce(REDUCE[kernelName]!, x, out, view.a, view.r, view.c);
    return output(backend, outShape, out);
  });
}

/** Sum, Mean, Max and Min of float32 over one run of neighbouring axes (float64 partial sums in fixed chunks). */
export const reduceConfigs: KernelConfig[] = Object.keys(REDUCE).map(reduction);
