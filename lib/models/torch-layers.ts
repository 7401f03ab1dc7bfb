import * as tf from "@tensorflow/tfjs";
import { SeededDropout } from "./seeded-dropout.ts";

/** torchvision's ImageNet normalisation (transforms.Normalize in every ImageNet weight's preset). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * The input end of the torchvision variant: a grey image in [0, 1] [B, H, W, 1] is replicated
 * into 3 identical channels and normalised per channel, (x − mean_c) / std_c, as a PyTorch
 * pipeline that converts a mammogram to RGB and applies the ImageNet preset feeds
 * torchvision's EfficientNet-B0. A 3-channel input is only normalised. No weights.
 */
export class ImageNetInput extends tf.layers.Layer {
  static className = "ImageNetInput";

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.tidy(() => {
      const rgb = x.shape[3] === 1 ? tf.tile(x, [1, 1, 1, 3]) : x;
      return tf.div(tf.sub(rgb, tf.tensor1d(IMAGENET_MEAN as unknown as number[])), tf.tensor1d(IMAGENET_STD as unknown as number[]));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape[3] !== 1 && shape[3] !== 3) throw new Error(`ImageNetInput: expected 1 or 3 input channels, got ${shape[3]}`);
    return [shape[0] ?? null, shape[1] ?? null, shape[2] ?? null, 3];
  }
}
tf.serialization.registerClass(ImageNetInput);

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
interface BatchNormInternals {
  momentum: number;
  movingVariance: tf.LayerVariable;
}
const BatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args: BatchNormArgs) => tf.layers.Layer;

/**
 * PyTorch's BatchNorm2d (eps 1e-5, momentum 0.1, i.e. tfjs momentum 0.9) on the last axis.
 * Forward and gradients are tfjs's BatchNormalization (the native backend's fused kernel when it
 * is in use); the difference is the running variance: PyTorch updates it with the unbiased
 * batch variance (× n / (n − 1), n = values per channel in the batch), tfjs with the biased one.
 * After tfjs's update v₁ = m·v₀ + (1 − m)·σ²_b, this layer sets
 * v = v₁ + (v₁ − m·v₀) / (n − 1) = m·v₀ + (1 − m)·σ²_b·n/(n − 1). With n = 1 (where PyTorch refuses
 * to train) the biased update stands.
 */
export class TorchBatchNorm extends BatchNormalization {
  static className = "TorchBatchNormalization";

  constructor(args: BatchNormArgs = {}) {
    super({ axis: -1, momentum: 0.9, epsilon: 1e-5, ...args });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    if (kwargs.training !== true) return super.call(inputs, kwargs);
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const n = x.size / (x.shape[x.rank - 1] as number);
    const self = this as unknown as BatchNormInternals;
    const before = n > 1 ? tf.keep(self.movingVariance.read().clone()) : null;
    const out = super.call(inputs, kwargs);
    if (before !== null) {
      tf.tidy(() => {
        const after = self.movingVariance.read();
        self.movingVariance.write(tf.add(after, tf.div(tf.sub(after, tf.mul(before, self.momentum)), n - 1)));
      });
      before.dispose();
    }
    return out;
  }
}
tf.serialization.registerClass(TorchBatchNorm as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/**
 * torchvision's StochasticDepth(p, "row") on a residual branch: while training, each sample's
 * branch is kept with probability 1 − p and scaled by 1 / (1 − p), else zeroed (one draw per
 * sample, shared by all its positions and channels); identity at inference. The draws are
 * seeded per step like SeededDropout's (stream dropout/step/<n>/<layer name>), and
 * setDropoutStep reaches these layers too.
 */
export class StochasticDepth extends SeededDropout {
  static override className = "StochasticDepth";

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (kwargs.training !== true || this.rate === 0) return input;
    const noise = [input.shape[0] as number, ...input.shape.slice(1).map(() => 1)];
    return tf.dropout(input, this.rate, noise, this.nextSeed());
  }
}
tf.serialization.registerClass(StochasticDepth);
