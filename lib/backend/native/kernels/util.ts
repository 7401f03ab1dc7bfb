import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import type { Geometry, NativeAddon } from "../addon.ts";

/** What the native kernels need from the backend: the cpu backend's tensor storage and the addon. */
export interface NativeBackendLike {
  addon: NativeAddon;
  data: { get(dataId: object): { values: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
  /** An output buffer of `length` floats; recycled, so the kernel must write every element. */
  alloc(length: number): Float32Array;
}

/** A kernel's arguments as tfjs passes them. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: NativeBackendLike;
  attrs?: NamedAttrMap;
}

/**
 * A kernel of the "native" backend. `run` returns null when the addon does not cover the case
 * (a dtype other than float32, NCHW, a broadcast it does not do, …); the cpu backend's kernel of
 * the same name then computes it, on the same tensor storage.
 */
export function nativeKernel(kernelName: string, run: (args: KernelArgs) => TensorInfo | TensorInfo[] | null): KernelConfig {
  const kernelFunc = ((args: KernelArgs) => run(args) ?? cpuKernel(kernelName)(args as unknown as Parameters<KernelFunc>[0])) as unknown as KernelFunc;
  return { kernelName, backendName: "native", kernelFunc };
}

/** The cpu backend's kernel `name` (the native backend stores tensors exactly as it does). */
function cpuKernel(name: string): KernelFunc {
  const config = tf.getKernel(name, "cpu");
  if (config === undefined) throw new Error(`${name} (native): no cpu kernel to fall back to`);
  return config.kernelFunc;
}

/** The Float32Array behind a float32 tensor, or null for another dtype / storage. */
export function f32(backend: NativeBackendLike, t: TensorInfo | undefined): Float32Array | null {
  if (t === undefined || t.dtype !== "float32") return null;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : null;
}

/** A new float32 tensor of `shape` over `values` (no copy). */
export function output(backend: NativeBackendLike, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, "float32", values);
}

/** An output buffer for `shape` (recycled: the kernel must write every element). */
export function alloc(backend: NativeBackendLike, shape: readonly number[]): Float32Array {
  return backend.alloc(tf.util.sizeFromShape(shape as number[]));
}

/** The 15 integers the addon reads a convolution's (or pooling's) shapes from. */
export function geometry(info: tf.backend_util.Conv2DInfo): Geometry {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  ]);
}

/** Codes of the activations fused into conv/matmul (native/src/conv.h); undefined = not supported natively. */
export function activationCode(activation: unknown): number | undefined {
  switch (activation ?? "linear") {
    case "linear": return 0;
    case "relu": return 1;
    case "relu6": return 2;
    case "leakyrelu": return 3;
    case "sigmoid": return 4;
    case "elu": return 5;
    default: return undefined;
  }
}

/** The bias of a fused kernel when it is one value per output channel (or absent); undefined when it is some other broadcast. */
export function channelBias(backend: NativeBackendLike, bias: TensorInfo | undefined, channels: number): Float32Array | null | undefined {
  if (bias === undefined) return null;
  const values = f32(backend, bias);
  return values !== null && values.length === channels ? values : undefined;
}
