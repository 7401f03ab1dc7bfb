import type * as tfjs from "@tensorflow/tfjs";
import { AdamW } from "./adamw.ts";

type TF = typeof tfjs;

/** One side of the data (train or val), in memory, aligned by index. */
export interface DataPart {
  /** Preprocessed images, imgSize² values in [0, 1] each, row-major. */
  images: Float32Array[];
  /** Class index 0..3 (label − 1). */
  labels: number[];
  /** Per-sample embedding to fuse (only with `--embeddings-dir`). */
  embeddings?: Float32Array[];
}

/** The model inputs for the samples at `indices`: the image batch [B, S, S, 1] and, when fused, the embeddings [B, D]. */
export function batchInputs(tf: TF, part: DataPart, indices: readonly number[], imgSize: number, images?: readonly Float32Array[]): tfjs.Tensor[] {
  const pixels = new Float32Array(indices.length * imgSize * imgSize);
  indices.forEach((i, b) => pixels.set(images ? (images[b] as Float32Array) : (part.images[i] as Float32Array), b * imgSize * imgSize));
  const inputs: tfjs.Tensor[] = [tf.tensor4d(pixels, [indices.length, imgSize, imgSize, 1])];
  if (part.embeddings) {
    const dim = (part.embeddings[0] as Float32Array).length;
    const values = new Float32Array(indices.length * dim);
    indices.forEach((i, b) => values.set(part.embeddings?.[i] as Float32Array, b * dim));
    inputs.push(tf.tensor2d(values, [indices.length, dim]));
  }
  return inputs;
}

/**
 * Cross-entropy of `logits` [B, K] against class indices, as PyTorch's CrossEntropyLoss: with
 * class weights, Σ w_y·nll / Σ w_y; without, the mean.
 */
export function crossEntropy(tf: TF, logits: tfjs.Tensor, labels: tfjs.Tensor1D, classWeights: readonly number[] | null): tfjs.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1] as number;
    const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, k), tf.logSoftmax(logits)), 1));
    if (!classWeights) return tf.mean(nll) as tfjs.Scalar;
    const w = tf.gather(tf.tensor1d(Float32Array.from(classWeights)), labels);
    return tf.div(tf.sum(tf.mul(w, nll)), tf.sum(w)) as tfjs.Scalar;
  });
}

/** A variable that trains this step, with its key (index in `orderedWeights(model)`) and learning rate. */
export interface TrainableVar {
  key: number;
  variable: tfjs.Variable;
  lr: number;
}

/**
 * One optimisation step on a batch: forward in training mode (dropout on, batch-norm on batch
 * statistics), loss, gradients of the trainable variables only, AdamW update. Returns the batch
 * loss and the number of correct predictions. Every tensor made here is released.
 */
export function trainStep(
  tf: TF,
  model: tfjs.LayersModel,
  optimizer: AdamW,
  vars: readonly TrainableVar[],
  inputs: tfjs.Tensor[],
  labels: readonly number[],
  classWeights: readonly number[] | null,
): { loss: number; correct: number } {
  const y = tf.tensor1d(Int32Array.from(labels), "int32");
  let predicted: tfjs.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply(inputs.length === 1 ? (inputs[0] as tfjs.Tensor) : inputs, { training: true }) as tfjs.Tensor;
    predicted = tf.keep(tf.argMax(logits, 1));
    return crossEntropy(tf, logits, y, classWeights);
  }, vars.map((v) => v.variable));
  optimizer.apply(
    vars.flatMap((v) => {
      const gradient = grads[v.variable.name];
      return gradient ? [{ key: v.key, variable: v.variable, gradient, lr: v.lr }] : [];
    }),
  );
  const loss = value.dataSync()[0] as number;
  const pred = (predicted as tfjs.Tensor).dataSync();
  let correct = 0;
  labels.forEach((t, i) => {
    if (pred[i] === t) correct++;
  });
  tf.dispose([value, y, predicted as tfjs.Tensor, ...Object.values(grads)]);
  return { loss, correct };
}

/** Softmax probabilities [N×K] and loss of a whole data part, in inference mode. */
export function evaluate(
  tf: TF,
  model: tfjs.LayersModel,
  part: DataPart,
  imgSize: number,
  batchSize: number,
  classWeights: readonly number[] | null,
): { probs: number[][]; loss: number } {
  const probs: number[][] = [];
  let weightedLoss = 0;
  let weightSum = 0;
  for (let start = 0; start < part.labels.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, part.labels.length - start) }, (_, j) => start + j);
    const labels = indices.map((i) => part.labels[i] as number);
    const { p, loss } = tf.tidy(() => {
      const inputs = batchInputs(tf, part, indices, imgSize);
      const logits = model.apply(inputs.length === 1 ? (inputs[0] as tfjs.Tensor) : inputs, { training: false }) as tfjs.Tensor;
      const l = crossEntropy(tf, logits, tf.tensor1d(Int32Array.from(labels), "int32"), classWeights);
      return { p: tf.softmax(logits), loss: l };
    });
    const k = p.shape[1] as number;
    const values = p.dataSync();
    for (let b = 0; b < indices.length; b++) probs.push(Array.from(values.subarray(b * k, (b + 1) * k)));
    // The batch loss is a (weighted) mean: re-weight by the batch's total weight to average over all samples.
    const batchWeight = classWeights ? labels.reduce((s, c) => s + Math.fround(classWeights[c] as number), 0) : labels.length;
    weightedLoss += (loss.dataSync()[0] as number) * batchWeight;
    weightSum += batchWeight;
    tf.dispose([p, loss]);
  }
  return { probs, loss: weightSum > 0 ? weightedLoss / weightSum : 0 };
}
