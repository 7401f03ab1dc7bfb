import type * as tfjs from "@tensorflow/tfjs";
import type { KernelConfig, NamedAttrMap, Tensor, TensorInfo } from "@tensorflow/tfjs";
import { UNARY } from "./kernels/elementwise.ts";
import { f32, output, type KernelArgs } from "./kernels/util.ts";
import { assertPatchableTfjs } from "./tfjs-version.ts";

type TF = typeof tfjs;

/**
 * Training-mode batch normalisation in one kernel: inputs x (…, C), scale and offset (C); attr
 * epsilon; outputs [y, batch mean, batch variance]. Its gradient treats mean and variance as
 * functions of x, so it replaces tf.moments + tf.batchNorm and their ~20 full-size gradient ops.
 */
export const BATCH_NORM_TRAIN = "MammoNativeBatchNormTrain";
export const BATCH_NORM_TRAIN_GRAD = "MammoNativeBatchNormTrainGrad";
/** swish(x) = x·sigmoid(x) in one kernel, and its gradient in one more. */
export const SWISH = "MammoNativeSwish";
export const SWISH_GRAD = "MammoNativeSwishGrad";

/**
 * The backends with the four fused kernels above registered under these names, on which the
 * routes below apply: "native", and "webgpu" once lib/backend/webgpu registers its versions.
 */
const fusedBackends = new Set(["native"]);

/** Makes the fused routes apply on `backend` too (its kernels for the four names must be registered). */
export function useFusedLayers(backend: string): void {
  fusedBackends.add(backend);
}

function need(args: KernelArgs, name: string): Float32Array {
  const values = f32(args.backend, args.inputs[name]);
  if (values === null) throw new Error(`native fused kernel: input ${name} must be a float32 tensor`);
  return values;
}

/** Kernels (native backend only) behind the fused layers. */
export const fusedLayerKernelConfigs: KernelConfig[] = [
  {
    kernelName: BATCH_NORM_TRAIN,
    backendName: "native",
    kernelFunc: ((args: KernelArgs) => {
      const x = need(args, "x"), scale = need(args, "scale"), offset = need(args, "offset");
      const shape = args.inputs.x!.shape;
      const channels = shape[shape.length - 1]!;
      const { backend } = args;
      const mean = backend.alloc(channels), variance = backend.alloc(channels), y = backend.alloc(x.length);
      const epsilon = Number((args.attrs as NamedAttrMap).epsilon);
      args.backend.addon.batchNormStats(x, channels, mean, variance);
      args.backend.addon.batchNorm(x, mean, variance, offset, scale, epsilon, y, channels);
      return [output(args.backend, shape, y), output(args.backend, [channels], mean), output(args.backend, [channels], variance)];
    }) as unknown as KernelConfig["kernelFunc"],
  },
  {
    kernelName: BATCH_NORM_TRAIN_GRAD,
    backendName: "native",
    kernelFunc: ((args: KernelArgs) => {
      const dy = need(args, "dy"), x = need(args, "x"), scale = need(args, "scale"), mean = need(args, "mean"), variance = need(args, "variance");
      const channels = mean.length;
      const { backend } = args;
      const dx = backend.alloc(x.length), dscale = backend.alloc(channels), doffset = backend.alloc(channels);
      args.backend.addon.batchNormTrainGrad(dy, x, mean, variance, scale, Number((args.attrs as NamedAttrMap).epsilon), channels, dx, dscale, doffset);
      return [output(args.backend, args.inputs.x!.shape, dx), output(args.backend, [channels], dscale), output(args.backend, [channels], doffset)];
    }) as unknown as KernelConfig["kernelFunc"],
  },
  {
    kernelName: SWISH,
    backendName: "native",
    kernelFunc: ((args: KernelArgs) => {
      const x = need(args, "x");
      const y = args.backend.alloc(x.length);
      args.backend.addon.unary(UNARY.Swish!, x, y, 0);
      return output(args.backend, args.inputs.x!.shape, y);
    }) as unknown as KernelConfig["kernelFunc"],
  },
  {
    kernelName: SWISH_GRAD,
    backendName: "native",
    kernelFunc: ((args: KernelArgs) => {
      const x = need(args, "x"), dy = need(args, "dy");
      const dx = args.backend.alloc(x.length);
      args.backend.addon.swishGrad(x, dy, dx);
      return output(args.backend, args.inputs.x!.shape, dx) as TensorInfo;
    }) as unknown as KernelConfig["kernelFunc"],
  },
];

/** The parts of tfjs-layers' BatchNormalization that its training path uses. */
interface LayerVariableLike {
  read(): Tensor;
  write(value: Tensor): void;
}
export interface BatchNormLayerLike {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVariableLike;
  beta: LayerVariableLike;
  movingMean: LayerVariableLike;
  movingVariance: LayerVariableLike;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
}
export interface ActivationFnLike {
  apply(x: Tensor, alpha?: number): Tensor;
}

/** tfjs-layers' BatchNormalization and Swish prototypes: the objects whose `call` / `apply` the routes replace. */
export function layerPrototypes(tf: TF): { batchNorm: BatchNormLayerLike; swish: ActivationFnLike } {
  const layer = tf.layers.activation({ activation: "swish" }) as unknown as { activation: ActivationFnLike };
  return {
    batchNorm: Object.getPrototypeOf(tf.layers.batchNormalization({})) as BatchNormLayerLike,
    swish: Object.getPrototypeOf(layer.activation) as ActivationFnLike,
  };
}

/** The members the routes replaced, as they were: what unrouteLayers puts back. */
let originals: { batchNorm: BatchNormLayerLike; call: BatchNormLayerLike["call"]; swish: ActivationFnLike; apply: ActivationFnLike["apply"] } | undefined;
let gradientsRegistered = false;

/** The fused kernels' gradients (registered once: tfjs cannot unregister a gradient; they apply to these kernels only). */
function registerFusedGradients(tf: TF): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ["x", "scale"],
    outputsToSave: [false, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, scale, mean, variance] = saved as Tensor[];
      const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, {
        dy: (dy as Tensor[])[0]!, x: x!, scale: scale!, mean: mean!, variance: variance!,
      }, attrs) as Tensor[];
      return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
    },
  });
  tf.registerGradient({
    kernelName: SWISH,
    inputsToSave: ["x"],
    gradFunc: (dy, saved) => ({ x: () => tf.engine().runKernel(SWISH_GRAD, { x: (saved as Tensor[])[0]!, dy: dy as Tensor }) as Tensor }),
  });
}

/** BatchNormalization.call in training mode through BATCH_NORM_TRAIN on the fused backends, else `original`. */
function routedBatchNormCall(tf: TF, original: BatchNormLayerLike["call"]): BatchNormLayerLike["call"] {
  return function (this: BatchNormLayerLike, inputs, kwargs) {
    const input = Array.isArray(inputs) && inputs.length === 1 ? inputs[0]! : inputs;
    if (!kwargs?.training || Array.isArray(input) || !fusedBackends.has(tf.getBackend()) || input.dtype !== "float32" || !this.center || !this.scale ||
      (this.axis >= 0 ? this.axis : this.axis + input.rank) !== input.rank - 1) {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: input, scale: this.gamma.read(), offset: this.beta.read() }, {
        epsilon: this.epsilon,
      }) as Tensor[];
      // tfjs-layers' doMovingAverage: moving ← moving − (moving − batch)·(1 − momentum)
      for (const [variable, value] of [[this.movingMean, mean!], [this.movingVariance, variance!]] as const) {
        tf.tidy(() => {
          const current = variable.read();
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - this.momentum)));
        });
      }
      return y!;
    });
  };
}

/**
 * Registers the fused kernels' gradients and routes two tfjs-layers computations to them while
 * the "native" backend (or another of useFusedLayers) is in use:
 * - BatchNormalization.call in training mode (last axis, center and scale on), which tfjs
 *   computes as tf.moments + tf.batchNorm: here one statistics + normalisation kernel, whose
 *   gradient is one kernel too; the moving mean and variance are updated exactly as tfjs does;
 * - the swish activation (tfjs: mul(sigmoid(mul(x, 1)), x), three ops and six gradient ops).
 * On any other backend, or any other case, the original tfjs-layers code runs unchanged, so the
 * other backends' results do not move. Refuses another tfjs-layers version than the one these
 * replacements were written for (tfjs-version.ts). Idempotent; unrouteLayers undoes it.
 */
export function routeLayersToNative(tf: TF): void {
  if (originals) return;
  assertPatchableTfjs({ layers: tf.version_layers, core: tf.version_core });
  registerFusedGradients(tf);
  const { batchNorm, swish } = layerPrototypes(tf);
  originals = { batchNorm, call: batchNorm.call, swish, apply: swish.apply };
  batchNorm.call = routedBatchNormCall(tf, originals.call);
  const swishApply = originals.apply;
  swish.apply = function (this: ActivationFnLike, x, alpha = 1) {
    if (alpha !== 1 || !fusedBackends.has(tf.getBackend()) || x.dtype !== "float32") return swishApply.call(this, x, alpha);
    return tf.engine().runKernel(SWISH, { x }) as Tensor;
  };
}

/** Puts tfjs-layers' own BatchNormalization.call and swish apply back (no-op when not routed). */
export function unrouteLayers(): void {
  if (!originals) return;
  originals.batchNorm.call = originals.call;
  originals.swish.apply = originals.apply;
  originals = undefined;
}

/** Whether routeLayersToNative's replacements are in place. */
export function layersRouted(): boolean {
  return originals !== undefined;
}
