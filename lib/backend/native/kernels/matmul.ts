import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, _FusedMatMulAttrs } from "@tensorflow/tfjs";
import { activationCode, channelBias, f32, nativeKernel, output, type KernelArgs } from "./util.ts";

/**
 * BatchMatMul and _FusedMatMul (bias + activation) for float32, when the batch dimensions are
 * equal or one side has a single matrix; other broadcasts fall back to the cpu kernel.
 */
function matmul(args: KernelArgs, fused: boolean) {
  const { backend } = args;
  const attrs = args.attrs as unknown as _FusedMatMulAttrs;
  const aInfo = args.inputs.a, bInfo = args.inputs.b;
  const a = f32(backend, aInfo), b = f32(backend, bInfo);
  if (a === null || b === null || aInfo === undefined || bInfo === undefined) return null;
  const act = fused ? activationCode(attrs.activation) : 0;
  if (act === undefined) return null;
  const ra = aInfo.shape.length, rb = bInfo.shape.length;
  const m = aInfo.shape[attrs.transposeA ? ra - 1 : ra - 2]!, k = aInfo.shape[attrs.transposeA ? ra - 2 : ra - 1]!;
  const n = bInfo.shape[attrs.transposeB ? rb - 2 : rb - 1]!;
  if (bInfo.shape[attrs.transposeB ? rb - 1 : rb - 2] !== k) return null;  // the cpu kernel reports the mismatch
  const batchA = aInfo.shape.slice(0, -2), batchB = bInfo.shape.slice(0, -2);
  const sizeA = tf.util.sizeFromShape(batchA), sizeB = tf.util.sizeFromShape(batchB);
  let batchShape: number[];
  if (tf.util.arraysEqual(batchA, batchB)) batchShape = batchA;
  else if (sizeA === 1 || sizeB === 1) batchShape = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  else return null;
  const batch = Math.max(sizeA, sizeB);
  const bias = fused ? channelBias(backend, args.inputs.bias, n) : null;
  if (bias === undefined) return null;
  const outShape = [...batchShape, m, n];
  const out = backend.alloc(batch * m * n);
  backend.addon.matmul(a, b, out, batch, m, n, k, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0, sizeA === 1 ? 0 : m * k,
    sizeB === 1 ? 0 : k * n, bias, act, attrs.leakyreluAlpha ?? 0);
  return output(backend, outShape, out);
}

export const batchMatMulConfig: KernelConfig = nativeKernel("BatchMatMul", (args) => matmul(args, false));
export const fusedMatMulConfig: KernelConfig = nativeKernel("_FusedMatMul", (args) => matmul(args, true));

