import { usageError } from "../../errors/index.ts";

/** Element types a PyTorch state dict or a .safetensors file may hold. */
export type TorchDtype = "float64" | "float32" | "float16" | "bfloat16" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/** Bytes per element. */
export const DTYPE_BYTES: Readonly<Record<TorchDtype, number>> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** One tensor read from a weights file: logical (row-major, contiguous) values as float32. */
export interface LoadedTensor {
  /** The type it had in the file (values are converted to float32; int64 exactly up to 2^24). */
  dtype: TorchDtype;
  /** Shape as in the file, e.g. a torch conv weight [out, in, kh, kw]. */
  shape: number[];
  values: Float32Array;
}

/** Tensors by name, in file order: `features.0.0.weight`, … */
export type StateDict = Map<string, LoadedTensor>;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Product of `shape` (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/**
 * `count` elements of `dtype` starting at byte `byteOffset` of `bytes`, as float32. Half and
 * bfloat16 are widened exactly; float64 and int64 are rounded to the nearest float32.
 */
export function decodeElements(bytes: Uint8Array, dtype: TorchDtype, byteOffset: number, count: number, littleEndian: boolean): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * DTYPE_BYTES[dtype]);
  if (dtype === "float32" && littleEndian === HOST_LITTLE_ENDIAN) {
    // The common case, without a per-element decode: copy the bytes (alignment-free) and view them.
    // (Uint8Array's slice copies; a Node Buffer's would not.)
    return new Float32Array(Uint8Array.prototype.slice.call(bytes, byteOffset, byteOffset + count * 4).buffer);
  }
  const out = new Float32Array(count);
  switch (dtype) {
    case "float32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, littleEndian);
      break;
    case "float64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, littleEndian);
      break;
    case "float16":
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, littleEndian));
      break;
    case "bfloat16": {
      // bfloat16 is the top half of a float32.
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        word.setUint32(0, view.getUint16(i * 2, littleEndian) << 16);
        out[i] = word.getFloat32(0);
      }
      break;
    }
    case "int64":
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, littleEndian));
      break;
    case "int32":
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, littleEndian);
      break;
    case "int16":
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, littleEndian);
      break;
    case "int8":
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case "uint8":
    case "bool":
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
  }
  return out;
}

/** IEEE 754 binary16 → number (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * The logical values of a strided view into `storage` (PyTorch's as_strided: element
 * (i0, i1, …) is storage[offset + Σ i_k·stride_k]), row-major. Refuses a view that reaches past
 * the storage, naming `what`.
 */
export function gatherStrided(storage: Float32Array, offset: number, shape: readonly number[], stride: readonly number[], what: string): Float32Array {
  const count = elementCount(shape);
  if (count === 0) return new Float32Array(0);
  let last = offset;
  shape.forEach((d, k) => {
    last += (d - 1) * (stride[k] as number);
  });
  if (offset < 0 || last >= storage.length || shape.some((d, k) => (stride[k] as number) < 0 || d < 0)) {
    throw usageError("pretrained_unreadable", `${what}: shape [${shape.join(", ")}] with stride [${stride.join(", ")}] at offset ${offset} reaches past its storage of ${storage.length} elements`);
  }
  const contiguous = shape.every((_, k) => (stride[k] as number) === elementCount(shape.slice(k + 1)) || shape[k] === 1);
  if (contiguous) return storage.slice(offset, offset + count);
  // An odometer over the output index, moving the storage position by one stride per step.
  const out = new Float32Array(count);
  const rank = shape.length;
  const index = new Int32Array(rank);
  let at = offset;
  for (let i = 0; i < count; i++) {
    out[i] = storage[at] as number;
    for (let k = rank - 1; k >= 0; k--) {
      at += stride[k] as number;
      const next = (index[k] as number) + 1;
      if (next < (shape[k] as number)) {
        index[k] = next;
        break;
      }
      at -= (stride[k] as number) * (shape[k] as number);
      index[k] = 0;
    }
  }
  return out;
}

/**
 * Reorders the axes of a row-major array: output axis i is input axis perm[i] (numpy's
 * transpose). E.g. a torch conv weight [out, in, kh, kw] with perm [2, 3, 1, 0] becomes tfjs's
 * [kh, kw, in, out].
 */
export function permuteAxes(values: Float32Array, shape: readonly number[], perm: readonly number[]): { values: Float32Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p] as number);
  const inStrides = shape.map((_, k) => elementCount(shape.slice(k + 1)));
  const stride = perm.map((p) => inStrides[p] as number);
  return { values: gatherStrided(values, 0, outShape, stride, "permuteAxes"), shape: outShape };
}
