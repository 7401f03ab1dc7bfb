import type * as tfjs from "@tensorflow/tfjs";
import { AdamW } from "./adamw.ts";
import type { ImageRef } from "./feed-batch.ts";
import { feedBatches, type FeederPool } from "./feeder.ts";

type TF = typeof tfjs;

/** One side of the data (train, val or test), aligned by index. */
export interface DataPart<Image extends ImageRef = ImageRef> {
  /**
   * Preprocessed images, imgSize² values in [0, 1] each, row-major: in memory (Float32Array), or
   * where their preprocessing-cache entries are (a training run), read batch by batch.
   */
  images: readonly Image[];
  /** Class index 0..3 (label − 1). */
  labels: number[];
  /** Per-sample embedding to fuse (only with `--embeddings-dir`). */
  embeddings?: Float32Array[];
}

/** The model inputs for the samples at `indices`: the image batch [B, S, S, 1] and, when fused, the embeddings [B, D]. */
export function batchInputs(tf: TF, part: DataPart<Float32Array>, indices: readonly number[], imgSize: number, images?: readonly Float32Array[]): tfjs.Tensor[] {
  const pixels = new Float32Array(indices.length * imgSize * imgSize);
  indices.forEach((i, b) => pixels.set(images ? (images[b] as Float32Array) : (part.images[i] as Float32Array), b * imgSize * imgSize));
  return batchInputsFromPixels(tf, part, indices, imgSize, pixels);
}

/** batchInputs from the batch's pixels already assembled ([B·S·S], e.g. by the batch feeder). */
export function batchInputsFromPixels(tf: TF, part: DataPart, indices: readonly number[], imgSize: number, pixels: Float32Array): tfjs.Tensor[] {
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
 * One optimisation step on a batch, left on the device: forward in training mode (dropout on,
 * batch-norm on batch statistics), loss, gradients of the trainable variables only, AdamW
 * update. Returns a float32 tensor [loss, correct] (the batch loss and the number of correct
 * predictions, exact in float32) that the caller reads when it likes: nothing here reads from
 * the device, so a GPU's queue can run ahead of the host. Every other tensor made here is released.
 */
export function trainStepOnDevice(
  tf: TF,
  model: tfjs.LayersModel,
  optimizer: AdamW,
  vars: readonly TrainableVar[],
  inputs: tfjs.Tensor[],
  labels: readonly number[],
  classWeights: readonly number[] | null,
): tfjs.Tensor1D {
  const y = tf.tensor1d(Int32Array.from(labels), "int32");
  let correct: tfjs.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply(inputs.length === 1 ? (inputs[0] as tfjs.Tensor) : inputs, { training: true }) as tfjs.Tensor;
    correct = tf.keep(tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "float32"))));
    return crossEntropy(tf, logits, y, classWeights);
  }, vars.map((v) => v.variable));
  optimizer.apply(
    vars.flatMap((v) => {
      const gradient = grads[v.variable.name];
      return gradient ? [{ key: v.key, variable: v.variable, gradient, lr: v.lr }] : [];
    }),
  );
  const stats = tf.tidy(() => tf.stack([value, correct as tfjs.Tensor]) as tfjs.Tensor1D);
  tf.dispose([value, y, correct as tfjs.Tensor, ...Object.values(grads)]);
  return stats;
}

/** Reads trainStepOnDevice's [loss, correct]. */
export function stepStats(values: ArrayLike<number>, offset = 0): { loss: number; correct: number } {
  return { loss: values[offset] as number, correct: values[offset + 1] as number };
}

/**
 * One optimisation step (trainStepOnDevice) with its loss and correct count read back at once
 * (one synchronous read: on webgpu, use trainStepOnDevice and read asynchronously instead).
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
  const stats = trainStepOnDevice(tf, model, optimizer, vars, inputs, labels, classWeights);
  const values = stats.dataSync();
  stats.dispose();
  return stepStats(values);
}

/**
 * Softmax probabilities [N×K] and loss of a whole data part, in inference mode, `batchSize`
 * images at a time, read through the batch feeder (on `pool`'s workers, else on this thread) and
 * each batch's result read asynchronously (one read per batch: the only way on webgpu).
 */
export async function evaluateAsync(
  tf: TF,
  model: tfjs.LayersModel,
  part: DataPart,
  imgSize: number,
  batchSize: number,
  classWeights: readonly number[] | null,
  feeding: { pool?: FeederPool | null; warn?: (message: string) => void } = {},
): Promise<{ probs: number[][]; loss: number }> {
  const acc = evaluation(part, classWeights);
  const jobs = evalBatches(part, batchSize).map((indices) => ({ indices, draws: null }));
  const feeder = feedBatches(part, imgSize, jobs, feeding.pool ?? null, { warn: feeding.warn });
  for (const { indices } of jobs) {
    const out = evalBatch(tf, model, part, indices, imgSize, await feeder.next(), classWeights);
    acc.add(indices, await out.data());
    out.dispose();
  }
  return acc.result();
}

function evalBatches(part: DataPart, batchSize: number): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < part.labels.length; start += batchSize) {
    out.push(Array.from({ length: Math.min(batchSize, part.labels.length - start) }, (_, j) => start + j));
  }
  return out;
}

/** One inference batch: a tensor [B·K + 1] of the softmax probabilities, row-major, then the batch loss. */
function evalBatch(tf: TF, model: tfjs.LayersModel, part: DataPart, indices: number[], imgSize: number, pixels: Float32Array, classWeights: readonly number[] | null): tfjs.Tensor1D {
  return tf.tidy(() => {
    const inputs = batchInputsFromPixels(tf, part, indices, imgSize, pixels);
    const logits = model.apply(inputs.length === 1 ? (inputs[0] as tfjs.Tensor) : inputs, { training: false }) as tfjs.Tensor;
    const labels = indices.map((i) => part.labels[i] as number);
    const loss = crossEntropy(tf, logits, tf.tensor1d(Int32Array.from(labels), "int32"), classWeights);
    return tf.concat([tf.reshape(tf.softmax(logits), [-1]), tf.reshape(loss, [1])]) as tfjs.Tensor1D;
  });
}

/** Accumulates evaluation batches in order. */
function evaluation(part: DataPart, classWeights: readonly number[] | null) {
  const probs: number[][] = [];
  let weightedLoss = 0;
  let weightSum = 0;
  return {
    add(indices: number[], values: ArrayLike<number>): void {
      const k = (values.length - 1) / indices.length;
      for (let b = 0; b < indices.length; b++) probs.push(Array.from({ length: k }, (_, j) => values[b * k + j] as number));
      // The batch loss is a (weighted) mean: re-weight by the batch's total weight to average over all samples.
      const labels = indices.map((i) => part.labels[i] as number);
      const batchWeight = classWeights ? labels.reduce((s, c) => s + Math.fround(classWeights[c] as number), 0) : labels.length;
      weightedLoss += (values[values.length - 1] as number) * batchWeight;
      weightSum += batchWeight;
    },
    result: () => ({ probs, loss: weightSum > 0 ? weightedLoss / weightSum : 0 }),
  };
}
