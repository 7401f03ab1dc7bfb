import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs";
import { f32, nativeKernel, output, type KernelArgs } from "./util.ts";

/** Codes of native/src/elementwise.h's BinaryOp, by tfjs kernel name. */
const BINARY: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6 };

/** Codes of native/src/elementwise.h's UnaryOp, by tfjs kernel name; Swish is the project's fused kernel (layers.ts). */
export const UNARY: Record<string, number> = {
  Relu: 0, Relu6: 1, LeakyRelu: 2, Elu: 3, Sigmoid: 4, Step: 5, Neg: 6, Square: 7, Sqrt: 8, Rsqrt: 9, Exp: 10, Log: 11, Abs: 12,
  Reciprocal: 13, Tanh: 14, Swish: 15,
};

/** Strides of `shape` when read over the broadcast `outShape` (0 along dimensions it is broadcast). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const strides = new Int32Array(outShape.length);
  let stride = 1;
  for (let i = 1; i <= outShape.length; i++) {
    const dim = shape.length - i >= 0 ? shape[shape.length - i]! : 1;
    strides[outShape.length - i] = dim === 1 ? 0 : stride;
    stride *= dim;
  }
  return strides;
}

function binary(kernelName: string, op: number): KernelConfig {
  return nativeKernel(kernelName, ({ inputs, backend }: KernelArgs) => {
    const a = f32(backend, inputs.a), b = f32(backend, inputs.b);
    if (a === null || b === null) return null;
    const aShape = inputs.a!.shape, bShape = inputs.b!.shape;
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(aShape, bShape);
    if (outShape.length > 8) return null;
    const out = backend.alloc(tf.util.sizeFromShape(outShape));
    if (out.length > 0) {
      backend.addon.binary(op, a, b, out, Int32Array.from(outShape.length === 0 ? [1] : outShape),
        outShape.length === 0 ? Int32Array.of(0) : broadcastStrides(aShape, outShape), outShape.length === 0 ? Int32Array.of(0) : broadcastStrides(bShape, outShape));
    }
    return output(backend, outShape, out);
  });
}

/** Runs unary op `code` on a float32 tensor (alpha: LeakyRelu's slope, Step's value at x ≤ 0). */
function runUnary(args: KernelArgs, x: TensorInfo | undefined, code: number, alpha: number): TensorInfo | null {
  const values = f32(args.backend, x);
  if (values === null || x === undefined) return null;
  const out = args.backend.alloc(values.length);
  args.backend.addon.unary(code, values, out, alpha);
  return output(args.backend, x.shape, out);
}

function unary(kernelName: string, alphaAttr?: string, alphaDefault = 0): KernelConfig {
  const code = UNARY[kernelName]!;
  return nativeKernel(kernelName, (args) => {
    const alpha = alphaAttr === undefined ? 0 : Number((args.attrs as Record<string, unknown> | undefined)?.[alphaAttr] ?? alphaDefault);
    return runUnary(args, args.inputs.x, code, alpha);
  });
}

/** Element-wise kernels: float32 binary operations with broadcasting, and unary operations. */
export const elementwiseConfigs: KernelConfig[] = [
  ...Object.entries(BINARY).map(([name, op]) => binary(name, op)),
  unary("Relu"), unary("Relu6"), unary("LeakyRelu", "alpha", 0.2), unary("Elu"), unary("Sigmoid"), unary("Step", "alpha", 0), unary("Neg"),
  unary("Square"), unary("Sqrt"), unary("Rsqrt"), unary("Exp"), unary("Log"), unary("Abs"), unary("Reciprocal"), unary("Tanh"),
];
