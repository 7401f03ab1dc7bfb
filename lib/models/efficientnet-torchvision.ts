import * as tf from "@tensorflow/tfjs";
import { B0_STAGES, STEM_CHANNELS, TOP_CHANNELS, type Backbone } from "./efficientnet.ts";
import type { Initialisers } from "./init.ts";
import { ImageNetInput, StochasticDepth, TorchBatchNorm } from "./torch-layers.ts";

/** Options of the torchvision variant. */
export interface TorchvisionOptions {
  /** torchvision's stochastic_depth_prob (0.2 for efficientnet_b0): block k of 16 drops its residual branch with p = prob · k / 16. */
  stochasticDepth: number;
  /** The run's root seed (stochastic-depth draws). */
  rootSeed: number;
}

/**
 * EfficientNet-B0's backbone computing exactly torchvision's `efficientnet_b0().features`, so
 * its ImageNet checkpoint (`efficientnet_b0_rwightman-*.pth`) gives torchvision's outputs:
 * - input: ImageNetInput (grey → 3 identical channels, ImageNet mean/std), then torchvision's
 *   3-channel stem;
 * - padding (k − 1) / 2 on every side (Conv2dNormActivation): for stride 2 an explicit
 *   ZeroPadding2D and a "valid" convolution (tfjs's "same" would pad 0 before and 1 after);
 * - BatchNorm2d (TorchBatchNorm: eps 1e-5, momentum 0.1, unbiased running variance), SiLU;
 * - squeeze-excitation: average pool, 1×1 conv with bias to max(1, block input channels / 4),
 *   SiLU, 1×1 conv with bias, sigmoid, scale;
 * - stochastic depth (StochasticDepth, "row" mode) on the 9 residual branches, before the add.
 * Layer names are torchvision's module paths (`features.0.0` = stem conv, `features.2.1.block.1.0`
 * = a depthwise conv, `features.8.1` = the last BN), so a state dict maps by name
 * (loadTorchvisionWeights); layers without a torch module get a suffix (`.pad`, `.add`, `.reshape`).
 * `lastBlockLayers` = torchvision's `features[-2:]` (features.7 and features.8), as for the Keras variant.
 */
export function efficientNetB0Torchvision(input: tf.SymbolicTensor, init: Initialisers, options: TorchvisionOptions): Backbone {
  const layers: string[] = [];
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => {
    layers.push(layer.name);
    return layer.apply(x) as tf.SymbolicTensor;
  };
  /** torchvision's Conv2dNormActivation at module path `path`: [pad], conv (`.0`), BN (`.1`), [SiLU (`.2`)]. */
  const convBn = (path: string, x: tf.SymbolicTensor, filters: number, kernel: number, stride: number, opts: { depthwise?: boolean; act?: boolean } = {}) => {
    if (stride > 1) {
      const p = (kernel - 1) / 2;
      x = apply(tf.layers.zeroPadding2d({ name: `${path}.pad`, padding: [[p, p], [p, p]] }), x);
    }
    const padding = stride > 1 ? "valid" : "same";
    const name = `${path}.0`;
    x = apply(
      opts.depthwise
        ? tf.layers.depthwiseConv2d({
          name, kernelSize: kernel, strides: stride, padding, depthMultiplier: 1, useBias: false,
          depthwiseInitializer: init.conv(name, filters * kernel * kernel),
        })
        : tf.layers.conv2d({ name, filters, kernelSize: kernel, strides: stride, padding, useBias: false, kernelInitializer: init.conv(name, filters * kernel * kernel) }),
      x,
    );
    x = apply(new TorchBatchNorm({ name: `${path}.1` }), x);
    if (opts.act !== false) x = apply(tf.layers.activation({ name: `${path}.2`, activation: "swish" }), x);
    return x;
  };

  let x = apply(new ImageNetInput({ name: "imagenet_input" }), input);
  x = convBn("features.0", x, STEM_CHANNELS, 3, 2);
  let channels = STEM_CHANNELS;
  let lastBlockStart = 0;
  const totalBlocks = B0_STAGES.reduce((n, s) => n + s.repeats, 0);
  let blockId = 0;
  B0_STAGES.forEach((stage, s) => {
    for (let r = 0; r < stage.repeats; r++, blockId++) {
      if (s === B0_STAGES.length - 1 && r === 0) lastBlockStart = layers.length;
      const path = `features.${s + 1}.${r}`;
      const stride = r === 0 ? stage.stride : 1;
      const blockInput = x;
      const mid = channels * stage.expand;
      let i = 0;
      let h = x;
      if (stage.expand !== 1) h = convBn(`${path}.block.${i++}`, h, mid, 1, 1);
      h = convBn(`${path}.block.${i++}`, h, mid, stage.kernel, stride, { depthwise: true });
      h = squeezeExcite(`${path}.block.${i++}`, h, mid, Math.max(1, Math.floor(channels / 4)), init, apply);
      h = convBn(`${path}.block.${i++}`, h, stage.channels, 1, 1, { act: false });
      if (stride === 1 && channels === stage.channels) {
        const rate = (options.stochasticDepth * blockId) / totalBlocks;
        h = apply(new StochasticDepth({ name: `${path}.stochastic_depth`, rate, rootSeed: options.rootSeed }), h);
        h = apply(tf.layers.add({ name: `${path}.add` }), [h, blockInput]);
      }
      x = h;
      channels = stage.channels;
    }
  });
  x = convBn(`features.${B0_STAGES.length + 1}`, x, TOP_CHANNELS, 1, 1);
  return { features: x, featureChannels: TOP_CHANNELS, layers, lastBlockLayers: layers.slice(lastBlockStart) };
}

/** torchvision's SqueezeExcitation at module path `path` (fc1, fc2 are 1×1 convs with bias). */
function squeezeExcite(
  path: string, x: tf.SymbolicTensor, channels: number, squeezed: number, init: Initialisers,
  apply: (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => tf.SymbolicTensor,
): tf.SymbolicTensor {
  let s = apply(tf.layers.globalAveragePooling2d({ name: `${path}.avgpool` }), x);
  s = apply(tf.layers.reshape({ name: `${path}.reshape`, targetShape: [1, 1, channels] }), s);
  s = apply(tf.layers.conv2d({
    name: `${path}.fc1`, filters: squeezed, kernelSize: 1, activation: "swish", useBias: true,
    kernelInitializer: init.conv(`${path}.fc1`, squeezed), biasInitializer: "zeros",
  }), s);
  s = apply(tf.layers.conv2d({
    name: `${path}.fc2`, filters: channels, kernelSize: 1, activation: "sigmoid", useBias: true,
    kernelInitializer: init.conv(`${path}.fc2`, channels), biasInitializer: "zeros",
  }), s);
  return apply(tf.layers.multiply({ name: `${path}.scale` }), [x, s]);
}
