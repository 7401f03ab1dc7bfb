import * as tf from "@tensorflow/tfjs";
import type { Backbone } from "./efficientnet.ts";
import { batchNorm, type Initialisers } from "./init.ts";

const CHANNELS = [16, 32, 64] as const;

/**
 * A small CNN for quick CPU runs and tests: three blocks of 3×3 conv (no bias) + BN + ReLU with
 * 16, 32 and 64 channels, a 2×2 max-pool after the first two; the 64-channel map of
 * `block3_relu` goes to the shared head. The last block (conv, BN, ReLU of block 3) is what
 * `--unfreeze-last-block` trains.
 */
export function smallCnn(input: tf.SymbolicTensor, init: Initialisers): Backbone {
  const layers: string[] = [];
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => {
    layers.push(layer.name);
    return layer.apply(x) as tf.SymbolicTensor;
  };
  let x = input;
  let lastBlockStart = 0;
  CHANNELS.forEach((filters, i) => {
    const prefix = `block${i + 1}_`;
    if (i === CHANNELS.length - 1) lastBlockStart = layers.length;
    x = apply(tf.layers.conv2d({
      name: `${prefix}conv`, filters, kernelSize: 3, padding: "same", useBias: false,
      kernelInitializer: init.conv(`${prefix}conv`, filters * 9),
    }), x);
    x = apply(batchNorm(`${prefix}bn`), x);
    x = apply(tf.layers.activation({ name: `${prefix}relu`, activation: "relu" }), x);
    if (i < CHANNELS.length - 1) x = apply(tf.layers.maxPooling2d({ name: `${prefix}pool`, poolSize: 2, strides: 2 }), x);
  });
  return { features: x, featureChannels: CHANNELS[2], layers, lastBlockLayers: layers.slice(lastBlockStart) };
}
