import type * as tfType from "@tensorflow/tfjs";
import { usageError } from "../errors/index.ts";
import { efficientNetB0, type Backbone } from "./efficientnet.ts";
import { efficientNetB0Torchvision } from "./efficientnet-torchvision.ts";
import { initialisers } from "./init.ts";
import { SeededDropout } from "./seeded-dropout.ts";
import { checkImgSize } from "./input-size.ts";
import { smallCnn } from "./small-cnn.ts";

/**
 * The architectures buildModel knows (`--arch`): EfficientNet-B0 with Keras's layout (loads
 * Keras weights converted to tfjs), EfficientNet-B0 computing torchvision's function (loads
 * torchvision's .pth / .safetensors), or the small CNN for quick runs.
 */
export const ARCHS = ["efficientnet-b0", "efficientnet-b0-torchvision", "small-cnn"] as const;
export type Arch = (typeof ARCHS)[number];

/** What to build. */
export interface ModelSpec {
  arch: Arch;
  /** Side of the square input image, pixels (EfficientNet-B0 needs ≥ 32: it downsamples by 32). */
  imgSize: number;
  /** Image channels; 1 (grey-level mammograms). */
  inChannels?: number;
  /** Output classes; 4 (BI-RADS A–D). */
  numClasses?: number;
  /** Length of the per-accession embedding fused with the image features; 0 (default) = none. */
  embeddingDim?: number;
  /** Dropout rate before the classifier; 0.2 as in the reference. */
  dropout?: number;
  /** efficientnet-b0-torchvision: torchvision's stochastic_depth_prob, 0.2 (its default) unless given. */
  stochasticDepth?: number;
  /** The root seed of the `init` source: initialisers derive their seeds from it. */
  seed: number;
  /** The root seed of the `dropout` source (masks); default `seed`, as before sources existed. */
  dropoutSeed?: number;
}

/** A built classifier and the layer groups the training loop freezes and unfreezes. */
export interface BuiltModel {
  /** Inputs "image" [batch, imgSize, imgSize, inChannels] (+ "embedding" [batch, embeddingDim]); output logits [batch, numClasses]. */
  model: tfType.LayersModel;
  /** Length of the pooled image features (1280 for EfficientNet-B0, 64 for small-cnn), before any embedding is concatenated. */
  featureDim: number;
  /** The last two feature blocks (trained with `--unfreeze-last-block`); see efficientNetB0. */
  lastBlockLayers: string[];
  /** Every backbone layer name (stem to last feature activation), with or without weights. */
  backboneLayers: string[];
  /** The head: avg_pool, head_concat (with an embedding), head_dropout, head_dense. */
  headLayers: string[];
  /** The last convolutional activation, the layer Grad-CAM looks at. */
  gradcamLayer: string;
}

/**
 * Builds the classifier of the reference pipeline: backbone → global average pool →
 * (concatenate the "embedding" input when embeddingDim > 0) → dropout (SeededDropout) →
 * Dense(numClasses) named "head_dense", producing logits. Weights depend only on `seed`; dropout
 * masks only on `dropoutSeed` (default `seed`).
 */
export function buildModel(tf: typeof tfType, spec: ModelSpec): BuiltModel {
  const inChannels = spec.inChannels ?? 1;
  const numClasses = spec.numClasses ?? 4;
  const embeddingDim = spec.embeddingDim ?? 0;
  const dropout = spec.dropout ?? 0.2;
  const stochasticDepth = spec.stochasticDepth ?? 0.2;
  checkImgSize(spec.arch, spec.imgSize);
  if (!Number.isInteger(embeddingDim) || embeddingDim < 0) throw usageError("invalid_model", `invalid embedding dimension: ${embeddingDim} (expected an integer ≥ 0)`);
  if (!(dropout >= 0 && dropout < 1)) throw usageError("invalid_model", `invalid dropout: ${dropout} (expected 0 ≤ x < 1)`);
  if (!(stochasticDepth >= 0 && stochasticDepth < 1)) throw usageError("invalid_model", `invalid stochastic depth: ${stochasticDepth} (expected 0 ≤ x < 1)`);
  if (!Number.isInteger(inChannels) || inChannels < 1) throw usageError("invalid_model", `invalid input channels: ${inChannels}`);
  if (spec.arch === "efficientnet-b0-torchvision" && inChannels !== 1 && inChannels !== 3) {
    throw usageError("invalid_model", `invalid input channels: ${inChannels} (efficientnet-b0-torchvision takes 1 or 3)`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) throw usageError("invalid_model", `invalid number of classes: ${numClasses}`);

  const init = initialisers(spec.seed);
  const image = tf.input({ name: "image", shape: [spec.imgSize, spec.imgSize, inChannels] });
  let backbone: Backbone;
  switch (spec.arch) {
    case "efficientnet-b0":
      backbone = efficientNetB0(image, init);
      break;
    case "efficientnet-b0-torchvision":
      // Stochastic depth masks are dropout masks (streams dropout/step/<n>/<layer>): the dropout source.
      backbone = efficientNetB0Torchvision(image, init, { stochasticDepth, rootSeed: spec.dropoutSeed ?? spec.seed });
      break;
    case "small-cnn":
      backbone = smallCnn(image, init);
      break;
    default:
      throw usageError("invalid_model", `unknown --arch: ${String(spec.arch)} (expected ${ARCHS.join(", ")})`);
  }
  const headLayers = ["avg_pool"];
  let x = tf.layers.globalAveragePooling2d({ name: "avg_pool" }).apply(backbone.features) as tfType.SymbolicTensor;
  const inputs = [image];
  if (embeddingDim > 0) {
    const embedding = tf.input({ name: "embedding", shape: [embeddingDim] });
    inputs.push(embedding);
    x = tf.layers.concatenate({ name: "head_concat", axis: -1 }).apply([x, embedding]) as tfType.SymbolicTensor;
    headLayers.push("head_concat");
  }
  x = new SeededDropout({ name: "head_dropout", rate: dropout, rootSeed: spec.dropoutSeed ?? spec.seed }).apply(x) as tfType.SymbolicTensor;
  const dense = init.linear("head_dense", backbone.featureChannels + embeddingDim);
  const logits = tf.layers.dense({
    name: "head_dense", units: numClasses, kernelInitializer: dense.kernel, biasInitializer: dense.bias,
  }).apply(x) as tfType.SymbolicTensor;
  headLayers.push("head_dropout", "head_dense");
  const model = tf.model({ name: spec.arch, inputs, outputs: logits });
  return {
    model,
    featureDim: backbone.featureChannels,
    lastBlockLayers: backbone.lastBlockLayers,
    backboneLayers: backbone.layers,
    headLayers,
    gradcamLayer: backbone.layers[backbone.layers.length - 1]!,
  };
}
