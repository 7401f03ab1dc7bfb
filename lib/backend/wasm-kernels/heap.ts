import type { TensorInfo } from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** A kernel's output on the wasm heap, with Float32Array views of it and of the inputs. */
export interface HeapViews {
  out: TensorInfo;
  outData: Float32Array;
  inData: Float32Array[];
}

/**
 * Allocates a float32 output of `outShape` on the wasm heap and returns views (no copies) of it
 * and of `inputs`. The views are taken after the allocation because a malloc can grow the heap,
 * which detaches every earlier view; the caller must not allocate on the heap while it uses them
 * (plain JS typed arrays are fine). The output memory is uninitialised.
 */
export function float32Views(backend: unknown, kernelName: string, inputs: TensorInfo[], outShape: number[]): HeapViews {
  for (const input of inputs) {
    if (input.dtype !== "float32") throw new Error(`${kernelName} (wasm): expected float32 inputs, got ${input.dtype}`);
  }
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(outShape, "float32");
  const inData = inputs.map((input) => wasm.typedArrayFromHeap(input) as Float32Array);
  return { out, outData: wasm.typedArrayFromHeap(out) as Float32Array, inData };
}

/**
 * Rows per chunk when a kernel streams `total` rows touching `rowFloats` floats each: about
 * 512 KiB per chunk, so a chunk stays in cache while it is reused across the output tiles,
 * yet is long enough to amortise the loop set-up (measured: 1.5× on 16×32×32 activations).
 */
export function chunkRows(rowFloats: number, total: number): number {
  const rows = Math.floor((1 << 17) / Math.max(1, rowFloats));
  return Math.max(1, Math.min(total, Math.max(64, rows)));
}

/** Strides and dilations as a [height, width] pair. */
export function pair(value: number | [number, number]): [number, number] {
  return typeof value === "number" ? [value, value] : value;
}

/**
 * The output columns [lo, hi) whose filter tap `k` lands inside the input
 * (0 ≤ o·stride + k − padBefore < inSize), so that loops over them need no bounds checks.
 */
export function outputRange(k: number, padBefore: number, stride: number, inSize: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((padBefore - k) / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 + padBefore - k) / stride) + 1);
  return [lo, hi];
}
