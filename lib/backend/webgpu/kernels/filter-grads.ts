import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { floatInput, flatProgram, reshaped, run, type WebGPUKernelArgs } from "./program.ts";

/**
 * The filter gradients of convolutions (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter)
 * as deterministic split sums. tfjs-backend-webgpu gives each filter element one thread that
 * loops over every output position (batch × height × width): at 512 px, batch 16, over a million
 * terms on a few hundred threads, which leaves a GPU nearly idle. Here the positions are cut into
 * S chunks fixed by the shapes alone (never by the device or timing): pass 1 sums each chunk for
 * each filter element in position order (S × F threads), pass 2 adds the S partial sums in chunk
 * order (F threads). No atomics, so the same inputs give the same bits on every run.
 */

/** Threads pass 1 aims at (S × F): enough to fill a large GPU; fewer when positions run out. */
const TARGET_THREADS = 1 << 16;
/** Fewest positions a chunk sums (below this, pass 2's extra reads cost more than they save). */
const MIN_CHUNK = 64;

/** The chunking of P positions for F filter elements: S chunks of `chunk` positions (the last may be shorter). */
export function splitPositions(positions: number, filterElements: number): { chunks: number; chunk: number } {
  const wanted = Math.ceil(TARGET_THREADS / Math.max(1, filterElements));
  const chunks = Math.max(1, Math.min(wanted, Math.floor(positions / MIN_CHUNK)));
  const chunk = Math.ceil(positions / chunks);
  return { chunks: Math.ceil(positions / chunk), chunk };
}

const GEOMETRY = [
  "batch", "inH", "inW", "inC", "outH", "outW", "outC", "filterW", "channelMul",
  "strideH", "strideW", "padTop", "padLeft", "dilationH", "dilationW", "positions", "chunk", "filterSize",
] as const;
const UNIFORMS = Object.fromEntries(GEOMETRY.map((name) => [name, "i32" as const]));

/** Pass 1's WGSL: partial[s, f] = Σ_{p in chunk s} x[b, xr, xc, d1] · dy[b, yr, yc, d2] for filter element f = (wr, wc, d1, d2 or dm). */
function partialBody(depthwise: boolean): string {
  // f's coordinates: filter [FH, FW, inC, outC] (conv) or [FH, FW, inC, channelMul] (depthwise)
  const last = depthwise ? "uniforms.channelMul" : "uniforms.outC";
  return `
    let s = index / uniforms.filterSize;
    let f = index % uniforms.filterSize;
    let k = f % ${last};
    let d1 = (f / ${last}) % uniforms.inC;
    let wc = (f / (${last} * uniforms.inC)) % uniforms.filterW;
    let wr = f / (${last} * uniforms.inC * uniforms.filterW);
    let d2 = ${depthwise ? "d1 * uniforms.channelMul + k" : "k"};
    let first = s * uniforms.chunk;
    let end = min(first + uniforms.chunk, uniforms.positions);
    var sum = 0.0;
    for (var p = first; p < end; p = p + 1) {
      let yc = p % uniforms.outW;
      let yr = (p / uniforms.outW) % uniforms.outH;
      let b = p / (uniforms.outW * uniforms.outH);
      let xr = wr * uniforms.dilationH + yr * uniforms.strideH - uniforms.padTop;
      let xc = wc * uniforms.dilationW + yc * uniforms.strideW - uniforms.padLeft;
      if (xr >= 0 && xr < uniforms.inH && xc >= 0 && xc < uniforms.inW) {
        sum = sum + x[((b * uniforms.inH + xr) * uniforms.inW + xc) * uniforms.inC + d1] * dy[p * uniforms.outC + d2];
      }
    }
    result[index] = sum;`;
}

/** Pass 2's WGSL: out[f] = Σ_s partial[s, f], s in order. */
const REDUCE_BODY = `
    var sum = 0.0;
    for (var s = 0; s < uniforms.chunks; s = s + 1) { sum = sum + partial[s * uniforms.threads + index]; }
    result[index] = sum;`;

function filterGrad(args: WebGPUKernelArgs, kernel: string, depthwise: boolean): TensorInfo {
  const x = floatInput(kernel, args, "x");
  const dy = floatInput(kernel, args, "dy");
  const attrs = args.attrs as NamedAttrMap & { strides: number | [number, number]; pad: "same" | "valid"; dimRoundingMode?: "floor" | "round" | "ceil"; filterShape: [number, number, number, number]; dilations?: number | [number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, depthwise ? (attrs.dilations ?? 1) : 1, attrs.pad, attrs.dimRoundingMode, depthwise, "channelsLast",
  );
  const filterSize = attrs.filterShape.reduce((p, d) => p * d, 1);
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const { chunks, chunk } = splitPositions(positions, filterSize);
  const geometry: Record<(typeof GEOMETRY)[number], number> = {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels, outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    filterW: info.filterWidth, channelMul: depthwise ? info.outChannels / info.inChannels : 1,
    strideH: info.strideHeight, strideW: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
    dilationH: info.dilationHeight, dilationW: info.dilationWidth, positions, chunk, filterSize,
  };
  const partial = run(args.backend, flatProgram({ key: `mammo_filter_grad_partial_${depthwise}`, inputs: ["x", "dy"], outputShape: [chunks * filterSize], uniforms: UNIFORMS, body: partialBody(depthwise) }), [x, dy], geometry);
  const sum = run(args.backend, flatProgram({ key: "mammo_filter_grad_reduce", inputs: ["partial"], outputShape: [filterSize], uniforms: { chunks: "i32" }, body: REDUCE_BODY }), [partial], { chunks });
  args.backend.disposeData(partial.dataId);
  return reshaped(sum, [...attrs.filterShape]);
}

/** tfjs's own kernels, for the layouts these do not cover (NCHW). */
const original = (name: string): KernelFunc => {
  const config = tf.getKernel(name, "webgpu");
  if (config === undefined) throw new Error(`tfjs-backend-webgpu has no ${name} kernel to fall back to`);
  return config.kernelFunc;
};
const originalConvFilter = original("Conv2DBackpropFilter");

export const filterGradKernelConfigs: KernelConfig[] = [
  {
    kernelName: "Conv2DBackpropFilter",
    backendName: "webgpu",
    kernelFunc: ((args: WebGPUKernelArgs) => {
      const format = (args.attrs as { dataFormat?: string }).dataFormat;
      if (format !== undefined && format !== "NHWC") return originalConvFilter(args as never);
      return filterGrad(args, "Conv2DBackpropFilter", false);
    }) as unknown as KernelFunc,
  },
  {
    kernelName: "DepthwiseConv2dNativeBackpropFilter",
    backendName: "webgpu",
    kernelFunc: ((args: WebGPUKernelArgs) => filterGrad(args, "DepthwiseConv2dNativeBackpropFilter", true)) as unknown as KernelFunc,
  },
];
