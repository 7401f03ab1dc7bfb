import * as tf from "@tensorflow/tfjs";
import { batchNorm, type Initialisers } from "./init.ts";

/** One stage of EfficientNet-B0 (Tan & Le 2019, table 1; torchvision's efficientnet_b0). */
export interface Stage {
  expand: number;
  kernel: number;
  stride: number;
  channels: number;
  repeats: number;
}

export const STEM_CHANNELS = 32;
export const TOP_CHANNELS = 1280;
const SE_RATIO = 0.25;
export const B0_STAGES: readonly Stage[] = [
  { expand: 1, kernel: 3, stride: 1, channels: 16, repeats: 1 },
  { expand: 6, kernel: 3, stride: 2, channels: 24, repeats: 2 },
  { expand: 6, kernel: 5, stride: 2, channels: 40, repeats: 2 },
  { expand: 6, kernel: 3, stride: 2, channels: 80, repeats: 3 },
  { expand: 6, kernel: 5, stride: 1, channels: 112, repeats: 3 },
  { expand: 6, kernel: 5, stride: 2, channels: 192, repeats: 4 },
  { expand: 6, kernel: 3, stride: 1, channels: 320, repeats: 1 },
];

/** The convolutional part of EfficientNet-B0, up to the 1280-channel feature map. */
export interface Backbone {
  /** Output of `top_activation`: [batch, imgSize/32, imgSize/32, 1280] (sizes rounded up). */
  features: tf.SymbolicTensor;
  featureChannels: number;
  /** Every layer name, stem to top_activation. */
  layers: string[];
  /** torchvision's `features[-2:]`, see efficientNetB0. */
  lastBlockLayers: string[];
}

/**
 * EfficientNet-B0's backbone on a single-channel input, with Keras's layer names (`stem_conv`,
 * `block2a_expand_conv`, `block7a_dwconv`, `top_conv`, …: stage number, then a letter per
 * repeat), so weights converted from keras.applications.EfficientNetB0 with
 * tensorflowjs_converter load by name (loadPretrained).
 *
 * - stem: 3×3/2 conv, 32 channels, BN, swish. It takes the 1 input channel directly (no 1→3 conv);
 *   loadPretrained sums a 3-channel ImageNet stem over its input channels to fit.
 * - 16 MBConv blocks in 7 stages: 1×1 expand conv + BN + swish (expand ratio ≠ 1),
 *   depthwise k×k conv + BN + swish, squeeze-excite (global average pool, 1×1 conv to
 *   max(1, ⌊block input channels / 4⌋) + swish, 1×1 conv + sigmoid, multiply), 1×1 projection
 *   conv + BN, identity skip when stride is 1 and input and output channels are equal.
 * - head conv: 1×1 conv to 1280 + BN + swish.
 * "Same" padding throughout; for stride 2 it pads (k−1)/2 before and the rest after, as Keras's
 * EfficientNet does (torchvision pads symmetrically). BN uses torchvision's eps 1e-5 and momentum
 * 0.1. Not reproduced: torchvision's stochastic depth (blocks randomly skipped while training);
 * efficientNetB0Torchvision (efficientnet-torchvision.ts) computes torchvision's function exactly.
 *
 * The last two feature blocks (the reference's `--unfreeze-last-block`): torchvision's
 * efficientnet_b0.features has 9 children, [stem, stage 1, …, stage 7, head conv], so
 * `features[-2:]` = stage 7 (block7a, the single 192→320 MBConv) + the 1×1 conv to 1280 with its
 * BN and swish (top_conv, top_bn, top_activation). Those are `lastBlockLayers`.
 */
export function efficientNetB0(input: tf.SymbolicTensor, init: Initialisers): Backbone {
  const layers: string[] = [];
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => {
    layers.push(layer.name);
    return layer.apply(x) as tf.SymbolicTensor;
  };
  const conv = (name: string, x: tf.SymbolicTensor, filters: number, kernel: number, stride: number) =>
    apply(tf.layers.conv2d({
      name, filters, kernelSize: kernel, strides: stride, padding: "same", useBias: false,
      kernelInitializer: init.conv(name, filters * kernel * kernel),
    }), x);
  const bnAct = (prefix: string, x: tf.SymbolicTensor, bnName: string, actName: string) =>
    apply(tf.layers.activation({ name: `${prefix}${actName}`, activation: "swish" }), apply(batchNorm(`${prefix}${bnName}`), x));

  let x = conv("stem_conv", input, STEM_CHANNELS, 3, 2);
  x = bnAct("", x, "stem_bn", "stem_activation");
  let channels = STEM_CHANNELS;
  let lastBlockStart = 0;
  B0_STAGES.forEach((stage, s) => {
    for (let r = 0; r < stage.repeats; r++) {
      if (s === B0_STAGES.length - 1 && r === 0) lastBlockStart = layers.length;
      const prefix = `block${s + 1}${String.fromCharCode(97 + r)}_`;
      const stride = r === 0 ? stage.stride : 1;
      const blockInput = x;
      const mid = channels * stage.expand;
      let h = x;
      if (stage.expand !== 1) {
        h = conv(`${prefix}expand_conv`, h, mid, 1, 1);
        h = bnAct(prefix, h, "expand_bn", "expand_activation");
      }
      const dwName = `${prefix}dwconv`;
      h = apply(tf.layers.depthwiseConv2d({
        name: dwName, kernelSize: stage.kernel, strides: stride, padding: "same", depthMultiplier: 1, useBias: false,
        depthwiseInitializer: init.conv(dwName, mid * stage.kernel * stage.kernel),
      }), h);
      h = bnAct(prefix, h, "bn", "activation");
      h = squeezeExcite(prefix, h, mid, Math.max(1, Math.floor(channels * SE_RATIO)), init, apply);
      h = conv(`${prefix}project_conv`, h, stage.channels, 1, 1);
      h = apply(batchNorm(`${prefix}project_bn`), h);
      if (stride === 1 && channels === stage.channels) h = apply(tf.layers.add({ name: `${prefix}add` }), [h, blockInput]);
      x = h;
      channels = stage.channels;
    }
  });
  x = conv("top_conv", x, TOP_CHANNELS, 1, 1);
  x = bnAct("", x, "top_bn", "top_activation");
  return { features: x, featureChannels: TOP_CHANNELS, layers, lastBlockLayers: layers.slice(lastBlockStart) };
}

/** Squeeze-excite as in Keras's EfficientNet: pool, reshape to 1×1, two 1×1 convs with bias, scale. */
function squeezeExcite(
  prefix: string, x: tf.SymbolicTensor, channels: number, squeezed: number, init: Initialisers,
  apply: (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => tf.SymbolicTensor,
): tf.SymbolicTensor {
  let s = apply(tf.layers.globalAveragePooling2d({ name: `${prefix}se_squeeze` }), x);
  s = apply(tf.layers.reshape({ name: `${prefix}se_reshape`, targetShape: [1, 1, channels] }), s);
  s = apply(tf.layers.conv2d({
    name: `${prefix}se_reduce`, filters: squeezed, kernelSize: 1, activation: "swish", useBias: true,
    kernelInitializer: init.conv(`${prefix}se_reduce`, squeezed), biasInitializer: "zeros",
  }), s);
  s = apply(tf.layers.conv2d({
    name: `${prefix}se_expand`, filters: channels, kernelSize: 1, activation: "sigmoid", useBias: true,
    kernelInitializer: init.conv(`${prefix}se_expand`, channels), biasInitializer: "zeros",
  }), s);
  return apply(tf.layers.multiply({ name: `${prefix}se_excite` }), [x, s]);
}
