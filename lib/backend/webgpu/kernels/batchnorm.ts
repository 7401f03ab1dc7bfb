import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from "../../native/layers.ts";
import { splitPositions } from "./filter-grads.ts";
import { floatInput, flatProgram, run, type WebGPUKernelArgs } from "./program.ts";
import type { MammoWebGPUBackend } from "../backend.ts";

/**
 * Training-mode batch normalisation on webgpu, the kernels behind lib/backend/native/layers.ts's
 * route of tfjs-layers' BatchNormalization (same names and semantics as the native ones): the
 * statistics and the normalisation in 4 dispatches instead of tf.moments + tf.batchNorm's ~10,
 * and the gradient in 4 instead of ~20. Per-channel sums are split like the filter gradients:
 * rows cut into chunks fixed by the shapes, each chunk summed in row order, chunks added in
 * order: deterministic, no atomics. The mean and variance are computed from sums shifted by the
 * first row (accurate when |mean| ≫ σ), as the native kernel does.
 */

const GEOMETRY = { rows: "i32", channels: "i32", chunk: "i32", chunks: "i32" } as const;

function geometry(x: TensorInfo) {
  const channels = x.shape[x.shape.length - 1] ?? 1;
  const rows = x.shape.reduce((p, d) => p * d, 1) / channels;
  const { chunks, chunk } = splitPositions(rows, channels);
  return { rows, channels, chunk, chunks };
}

/** Pass 1: per chunk s and channel c, two sums over the chunk's rows, written at [(2s)·C + c] and [(2s + 1)·C + c]. */
function chunkSums(key: string, inputs: string[], g: ReturnType<typeof geometry>, terms: string): ReturnType<typeof flatProgram> {
  return flatProgram({
    key: `mammo_bn_${key}`,
    inputs,
    outputShape: [2 * g.chunks * g.channels],
    threads: g.chunks * g.channels,
    uniforms: GEOMETRY,
    body: `
      let c = index % uniforms.channels;
      let s = index / uniforms.channels;
      let end = min((s + 1) * uniforms.chunk, uniforms.rows);
      var a = 0.0;
      var b = 0.0;
      for (var r = s * uniforms.chunk; r < end; r = r + 1) {
        let i = r * uniforms.channels + c;
        ${terms}
      }
      result[2 * s * uniforms.channels + c] = a;
      result[(2 * s + 1) * uniforms.channels + c] = b;`,
  });
}

/** Pass 2: per channel, the chunk sums added in chunk order, then `finish` (which sees `a`, `b` and writes result[c]). */
function channelTotals(key: string, inputs: string[], g: ReturnType<typeof geometry>, uniforms: Record<string, "f32" | "i32">, finish: string) {
  return flatProgram({
    key: `mammo_bn_${key}`,
    inputs,
    outputShape: [g.channels],
    uniforms: { ...GEOMETRY, ...uniforms },
    body: `
      let c = index;
      var a = 0.0;
      var b = 0.0;
      for (var s = 0; s < uniforms.chunks; s = s + 1) {
        a = a + sums[2 * s * uniforms.channels + c];
        b = b + sums[(2 * s + 1) * uniforms.channels + c];
      }
      ${finish}`,
  });
}

function batchNormTrain(args: WebGPUKernelArgs): TensorInfo[] {
  const x = floatInput(BATCH_NORM_TRAIN, args, "x");
  const scale = floatInput(BATCH_NORM_TRAIN, args, "scale");
  const offset = floatInput(BATCH_NORM_TRAIN, args, "offset");
  const epsilon = Number((args.attrs as NamedAttrMap).epsilon);
  const g = geometry(x);
  const { backend } = args;
  // shifted sums: d = x − x[row 0]
  const sums = run(backend, chunkSums("stats", ["x"], g, "let d = x[i] - x[c]; a = a + d; b = b + d * d;"), [x], g);
  const n = "f32(uniforms.rows)";
  const mean = run(backend, channelTotals("mean", ["sums", "x"], g, {}, `result[c] = a / ${n} + x[c];`), [sums, x], g);
  const variance = run(backend, channelTotals("variance", ["sums"], g, {}, `let m = a / ${n}; result[c] = max(0.0, b / ${n} - m * m);`), [sums], g);
  backend.disposeData(sums.dataId);
  const y = run(
    backend,
    flatProgram({
      key: "mammo_bn_normalise",
      inputs: ["x", "mean", "variance", "scale", "offset"],
      outputShape: x.shape,
      uniforms: { channels: "i32", epsilon: "f32" },
      body: "let c = index % uniforms.channels; result[index] = (x[index] - mean[c]) * (scale[c] * inverseSqrt(variance[c] + uniforms.epsilon)) + offset[c];",
    }),
    [x, mean, variance, scale, offset],
    { channels: g.channels, epsilon },
  );
  return [y, mean, variance];
}

function batchNormTrainGrad(args: WebGPUKernelArgs): TensorInfo[] {
  const [dy, x, scale, mean, variance] = (["dy", "x", "scale", "mean", "variance"] as const).map((name) => floatInput(BATCH_NORM_TRAIN_GRAD, args, name)) as [
    TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo,
  ];
  const epsilon = Number((args.attrs as NamedAttrMap).epsilon);
  const g = geometry(x);
  const backend: MammoWebGPUBackend = args.backend;
  // Σ dy and Σ dy·(x − mean) per channel
  const sums = run(backend, chunkSums("grad_sums", ["dy", "x", "mean"], g, "let gi = dy[i]; a = a + gi; b = b + gi * (x[i] - mean[c]);"), [dy, x, mean], g);
  const istd = "inverseSqrt(variance[c] + uniforms.epsilon)";
  const dscale = run(backend, channelTotals("dscale", ["sums", "variance"], g, { epsilon: "f32" }, `result[c] = b * ${istd};`), [sums, variance], { ...g, epsilon });
  const doffset = run(backend, channelTotals("doffset", ["sums"], g, {}, "result[c] = a;"), [sums], g);
  backend.disposeData(sums.dataId);
  // dx = scale·istd·(dy − Σdy/N − x̂·Σ(dy·x̂)/N), x̂ = (x − mean)·istd
  const dx = run(
    backend,
    flatProgram({
      key: "mammo_bn_dx",
      inputs: ["dy", "x", "mean", "variance", "scale", "dscale", "doffset"],
      outputShape: x.shape,
      uniforms: { channels: "i32", rows: "i32", epsilon: "f32" },
      body: `
        let c = index % uniforms.channels;
        let is = ${istd};
        let n = f32(uniforms.rows);
        let xhat = (x[index] - mean[c]) * is;
        result[index] = scale[c] * is * (dy[index] - doffset[c] / n - xhat * dscale[c] / n);`,
    }),
    [dy, x, mean, variance, scale, dscale, doffset],
    { channels: g.channels, rows: g.rows, epsilon },
  );
  return [dx, dscale, doffset];
}

export const batchNormKernelConfigs: KernelConfig[] = [
  { kernelName: BATCH_NORM_TRAIN, backendName: "webgpu", kernelFunc: batchNormTrain as unknown as KernelFunc },
  { kernelName: BATCH_NORM_TRAIN_GRAD, backendName: "webgpu", kernelFunc: batchNormTrainGrad as unknown as KernelFunc },
];
