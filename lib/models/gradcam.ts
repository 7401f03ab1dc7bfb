import type * as tfType from "@tensorflow/tfjs";
import { TaskError } from "../errors/index.ts";

/** A Grad-CAM map at the network's resolution, row-major, in [0, 1]. */
export interface GradcamMap {
  width: number;
  height: number;
  values: Float32Array;
}

/**
 * Grad-CAM (Selvaraju et al. 2017) of one image: the feature maps A of `layer` weighted by the
 * spatial mean of ∂logit[classIndex]/∂A, summed over channels, ReLU, upsampled bilinearly to
 * size × size with half-pixel centres (so heat pixel (i, j) sits on image pixel (i, j)), then
 * scaled to [0, 1] by its min and max (all zeros when flat), row-major: `values`. `map` is the
 * same map at the network's own resolution (the feature map's height × width), scaled likewise:
 * what a reader should see, drawn over the image without the blur of upsampling.
 *
 * `layer` must be the feature map the head pools (BuiltModel.gradcamLayer): the logit is
 * computed from it by re-applying the model's own head layers (avg_pool, head_concat with
 * `embedding` when the model has that input, head_dropout at inference, head_dense).
 */
export function gradcam(
  tf: typeof tfType, model: tfType.LayersModel, layer: string, image: Float32Array, size: number, classIndex: number,
  embedding?: Float32Array,
): { values: Float32Array; map: GradcamMap } {
  const { cam, upsampled } = gradcamTensors(tf, model, layer, image, size, classIndex, embedding);
  return readMaps(cam, upsampled, Float32Array.from(cam.dataSync()), Float32Array.from(upsampled.dataSync()));
}

/** gradcam, reading the maps from the device asynchronously (the only way on webgpu). */
export async function gradcamAsync(
  tf: typeof tfType, model: tfType.LayersModel, layer: string, image: Float32Array, size: number, classIndex: number,
  embedding?: Float32Array,
): Promise<{ values: Float32Array; map: GradcamMap }> {
  const { cam, upsampled } = gradcamTensors(tf, model, layer, image, size, classIndex, embedding);
  return readMaps(cam, upsampled, Float32Array.from(await cam.data()), Float32Array.from(await upsampled.data()));
}

/** gradcam's result from its two maps' values; disposes the tensors. */
function readMaps(cam: tfType.Tensor, upsampled: tfType.Tensor, camValues: Float32Array, upsampledValues: Float32Array): { values: Float32Array; map: GradcamMap } {
  const [, height, width] = cam.shape as [number, number, number, number];
  cam.dispose();
  upsampled.dispose();
  return { map: { width, height, values: normalise(camValues) }, values: normalise(upsampledValues) };
}

/** The map at the network's resolution [1, h, w, 1] and upsampled to size × size, not yet scaled. */
function gradcamTensors(
  tf: typeof tfType, model: tfType.LayersModel, layer: string, image: Float32Array, size: number, classIndex: number,
  embedding?: Float32Array,
): { cam: tfType.Tensor4D; upsampled: tfType.Tensor4D } {
  const pool = model.getLayer("avg_pool");
  const pooled = pool.inboundNodes[0]?.inboundLayers[0]?.name;
  if (pooled !== layer) throw new TaskError("gradcam_layer", `gradcam: layer ${layer} is not the feature map the head pools (${pooled})`);
  const imageInput = model.inputs[0]!;
  const channels = imageInput.shape[3] ?? 1;
  if (image.length !== size * size * channels) {
    throw new TaskError("gradcam_input", `gradcam: image has ${image.length} values, expected ${size}×${size}×${channels}`);
  }
  const classes = model.outputs[0]!.shape[1] ?? 0;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
    throw new TaskError("gradcam_input", `gradcam: class ${classIndex} out of range 0..${classes - 1}`);
  }
  const withEmbedding = model.inputs.length > 1;
  if (withEmbedding && embedding === undefined) throw new TaskError("gradcam_input", "gradcam: the model fuses an embedding; pass it");
  const features = tf.model({ inputs: imageInput, outputs: model.getLayer(layer).output as tfType.SymbolicTensor });
  const head = ["head_concat", "head_dropout", "head_dense"].filter((name) => withEmbedding || name !== "head_concat").map((name) => model.getLayer(name));

  const cam = tf.tidy(() => {
    const maps = features.predict(tf.tensor4d(image, [1, size, size, channels])) as tfType.Tensor4D;
    const extra = withEmbedding ? tf.tensor2d(embedding!, [1, embedding!.length]) : null;
    const logit = (a: tfType.Tensor): tfType.Scalar => {
      let x = pool.apply(a) as tfType.Tensor;
      for (const l of head) x = l.apply(l.name === "head_concat" ? [x, extra!] : x) as tfType.Tensor;
      return x.slice([0, classIndex], [1, 1]).sum() as tfType.Scalar;
    };
    const grads = tf.grad(logit)(maps);
    const weights = grads.mean([1, 2], true);
    return tf.relu(maps.mul(weights).sum(3, true)) as tfType.Tensor4D;
  });
  return { cam, upsampled: tf.tidy(() => tf.image.resizeBilinear(cam, [size, size], false, true)) };
}

/** Scales to [0, 1] by min and max, in place (all zeros when flat). */
function normalise(values: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < values.length; i++) values[i] = hi > lo ? (values[i]! - lo) / (hi - lo) : 0;
  return values;
}
