// Shared by the wasm kernel tests: run one kernel by name on a backend and compare with cpu.
import * as tf from "@tensorflow/tfjs";
import { stream } from "../../../lib/rng/index.ts";

export type KernelInputs = Record<string, { shape: number[]; values: Float32Array | Int32Array }>;

/** Runs kernel `name` on `backend` with fresh input tensors; returns the output values. */
export function runOn(backend: "wasm" | "cpu", name: string, inputs: KernelInputs, attrs: Record<string, unknown>): { shape: number[]; values: Float32Array | Int32Array } {
  tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [key, input] of Object.entries(inputs)) tensors[key] = tf.tensor(input.values, input.shape, input.values instanceof Int32Array ? "int32" : "float32");
  const out = tf.engine().runKernel(name, tensors, attrs as never) as tf.Tensor;
  const result = { shape: out.shape, values: out.dataSync().slice() as Float32Array | Int32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Standard-normal values from a seeded stream. */
export function randomValues(shape: number[], purpose: string): Float32Array {
  const rng = stream(7, purpose);
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal());
}

/** The output shape of a convolution, for building dy. */
export function convOutShape(x: number[], filter: [number, number, number, number], strides: number, pad: "same" | "valid", depthwise = false): number[] {
  const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], filter, strides, 1, pad, undefined, depthwise);
  return info.outShape;
}
