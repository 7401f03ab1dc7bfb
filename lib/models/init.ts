import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../rng/index.ts";

/** tfjs-layers does not export its Initializer class by name. */
type Initializer = ReturnType<typeof tf.initializers.ones>;

/**
 * Seeded initialisers following torchvision, whose EfficientNet the reference pipeline trains.
 * Every draw is seeded from deriveSeed(rootSeed, "init/<layer name>") (bias draws:
 * "init/<layer name>/bias"), so a layer's initial weights depend only on the root seed and its
 * name. Without a seed tfjs initialisers would call Math.random.
 */
export interface Initialisers {
  /** Convolution kernel: N(0, 2 / fan_out), torchvision's kaiming_normal_(mode="fan_out").
   *  fan_out = out channels × kh × kw; for a depthwise kernel torch counts the C output channels. */
  conv(layerName: string, fanOut: number): Initializer;
  /** A fresh nn.Linear's default: weight and bias ~ U(±1/√fan_in). */
  linear(layerName: string, fanIn: number): { kernel: Initializer; bias: Initializer };
}

export function initialisers(rootSeed: number): Initialisers {
  return {
    conv: (layerName, fanOut) =>
      tf.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fanOut), seed: deriveSeed(rootSeed, `init/${layerName}`) }),
    linear: (layerName, fanIn) => {
      const bound = 1 / Math.sqrt(fanIn);
      return {
        kernel: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: deriveSeed(rootSeed, `init/${layerName}`) }),
        bias: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: deriveSeed(rootSeed, `init/${layerName}/bias`) }),
      };
    },
  };
}

/** torchvision's BatchNorm2d defaults (eps 1e-5, momentum 0.1 = tfjs momentum 0.9). */
export function batchNorm(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name });
}
