import type * as tfjs from "@tensorflow/tfjs";
import type { ProgressBar } from "../progress/index.ts";

type TF = typeof tfjs;

/** What a model is applied to: preprocessed grey images and, for fused models, their embeddings. */
export interface InferenceInputs {
  /** imgSize × imgSize values in [0, 1] each, row-major (one channel). */
  images: readonly Float32Array[];
  imgSize: number;
  /** Channels the model takes: the grey image is repeated into each (1 = as is). */
  channels: number;
  /** Per-image embedding, when the model fuses one. */
  embeddings?: readonly Float32Array[];
}

/** The image batch [B, S, S, C] of `indices`, the grey value repeated into every channel. */
export function imageBatch(tf: TF, inputs: InferenceInputs, indices: readonly number[]): tfjs.Tensor4D {
  const { imgSize: size, channels } = inputs;
  const plane = size * size;
  const values = new Float32Array(indices.length * plane * channels);
  indices.forEach((i, b) => {
    const image = inputs.images[i] as Float32Array;
    if (channels === 1) values.set(image, b * plane);
    else for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) values[(b * plane + p) * channels + c] = image[p] as number;
  });
  return tf.tensor4d(values, [indices.length, size, size, channels]);
}

/**
 * Softmax probabilities [N × K] of `model` on every input, in inference mode (no dropout,
 * batch-norm moving statistics), `batchSize` images at a time.
 */
export function predictProbabilities(tf: TF, model: tfjs.LayersModel, inputs: InferenceInputs, batchSize: number, bar?: ProgressBar): number[][] {
  const out: number[][] = [];
  const n = inputs.images.length;
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, j) => start + j);
    const probs = tf.tidy(() => {
      const x: tfjs.Tensor[] = [imageBatch(tf, inputs, indices)];
      if (inputs.embeddings) {
        const dim = (inputs.embeddings[0] as Float32Array).length;
        const e = new Float32Array(indices.length * dim);
        indices.forEach((i, b) => e.set(inputs.embeddings?.[i] as Float32Array, b * dim));
        x.push(tf.tensor2d(e, [indices.length, dim]));
      }
      const logits = model.apply(x.length === 1 ? (x[0] as tfjs.Tensor) : x, { training: false }) as tfjs.Tensor;
      return tf.softmax(logits);
    });
    const k = probs.shape[1] as number;
    const values = probs.dataSync();
    for (let b = 0; b < indices.length; b++) out.push(Array.from(values.subarray(b * k, (b + 1) * k)));
    probs.dispose();
    bar?.increment(indices.length);
  }
  return out;
}

/** The ensemble's probabilities: the mean of the members' probabilities, per image and class. */
export function averageProbabilities(members: readonly (readonly number[][])[]): number[][] {
  const first = members[0];
  if (!first) return [];
  return first.map((row, i) => row.map((_, c) => members.reduce((s, m) => s + ((m[i] as number[])[c] as number), 0) / members.length));
}

/** Index of the largest probability (the first on a tie, as argmax). */
export function argMax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}
