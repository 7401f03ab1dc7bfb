import type * as tfjs from "@tensorflow/tfjs";
import type { GradConfig, KernelConfig, NamedAttrMap, Tensor } from "@tensorflow/tfjs";
import { f32, output, type KernelArgs } from "./kernels/util.ts";
import { assertPatchableTfjs } from "./tfjs-version.ts";

type TF = typeof tfjs;

/** out = x broadcast to attr `shape`, divided by attr `divisor`: the gradient of a mean in one pass. */
const BROADCAST_DIV = "MammoNativeBroadcastDiv";

/** Strides of `shape` read over `outShape` (same rank), 0 where it is broadcast. */
function strides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const out = new Int32Array(outShape.length);
  let stride = 1;
  for (let i = outShape.length - 1; i >= 0; i--) {
    out[i] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return out;
}

export const gradientKernelConfigs: KernelConfig[] = [
  {
    kernelName: BROADCAST_DIV,
    backendName: "native",
    kernelFunc: ((args: KernelArgs) => {
      const x = f32(args.backend, args.inputs.x);
      if (x === null) throw new Error(`${BROADCAST_DIV}: input x must be a float32 tensor`);
      const shape = (args.attrs as NamedAttrMap).shape as number[];
      const out = args.backend.alloc(shape.reduce((p, d) => p * d, 1));
      if (out.length > 0) {
        const rank = Math.max(shape.length, 1);
        const outShape = shape.length === 0 ? Int32Array.of(1) : Int32Array.from(shape);
        args.backend.addon.binary(3, x, Float32Array.of(Number((args.attrs as NamedAttrMap).divisor)), out, outShape,
          shape.length === 0 ? Int32Array.of(0) : strides(args.inputs.x!.shape, shape), new Int32Array(rank));
      }
      return output(args.backend, shape, out);
    }) as unknown as KernelConfig["kernelFunc"],
  },
];

/** tfjs-core's own Mean gradient while the native one is registered: what unrouteGradients puts back. */
let originalMean: GradConfig | undefined;

/**
 * tfjs's gradient of Mean builds a tensor of ones the size of x in JavaScript, multiplies and
 * divides (three full-size passes, the first one slow); on the native backend it is one
 * broadcast-and-divide kernel with the same result (dy/n). Other backends keep tfjs's gradient.
 * Refuses another tfjs-core version than the one it was written for (tfjs-version.ts).
 * Idempotent; unrouteGradients undoes it.
 */
export function routeGradientsToNative(tf: TF): void {
  if (originalMean) return;
  assertPatchableTfjs({ layers: tf.version_layers, core: tf.version_core });
  const mean = tf.getGradient("Mean");
  originalMean = mean;
  tf.registerGradient({
    ...mean,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as Tensor[];
      if (tf.getBackend() !== "native" || (dy as Tensor).dtype !== "float32" || x === undefined) return mean.gradFunc(dy, saved, attrs);
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const count = axes.reduce((p, a) => p * x.shape[a]!, 1);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return {
        x: () => tf.engine().runKernel(BROADCAST_DIV, { x: tf.reshape(dy as Tensor, kept) }, { shape: x.shape, divisor: count }) as Tensor,
      };
    },
  });
}

/** Registers tfjs-core's own Mean gradient again (the very object it had; no-op when not routed). */
export function unrouteGradients(tf: TF): void {
  if (!originalMean) return;
  tf.registerGradient(originalMean);
  originalMean = undefined;
}

/** Whether routeGradientsToNative's Mean gradient is registered. */
export function gradientsRouted(): boolean {
  return originalMean !== undefined;
}
