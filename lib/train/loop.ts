import type * as tfjs from "@tensorflow/tfjs";
import { stream } from "../rng/index.ts";
import { computeValMetrics, type ValMetrics } from "../metrics/index.ts";
import type { Progress } from "../progress/index.ts";
import type { AdamW } from "./adamw.ts";
import { drawAugment } from "./augment.ts";
import { feedBatches, type BatchJob, type FeederPool } from "./feeder.ts";
import { batches, epochOrder } from "./order.ts";
import type { SelectMetric } from "./params.ts";
import { initialLrState, initialStopState, lrAfterEpoch, lrScaleFor, stopAfterEpoch, type LrScheduleOptions, type LrScheduleState, type StopState } from "./schedule.ts";
import { batchInputsFromPixels, evaluateAsync, stepStats, trainStepOnDevice, type DataPart, type TrainableVar } from "./step.ts";

type TF = typeof tfjs;

/** The network as the loop sees it: the model, its layer groups, and the per-step dropout seed. */
export interface NetParts {
  model: tfjs.LayersModel;
  /** Layers after the backbone (pooling, dropout, classifier): always trained, at `lr`. */
  headLayers: tfjs.layers.Layer[];
  /** The backbone's last blocks (`--unfreeze-last-block`), trained at `backboneLr` after warm-up. */
  lastBlockLayers: tfjs.layers.Layer[];
  /** Every backbone layer (`--train-backbone`). */
  backboneLayers: tfjs.layers.Layer[];
  /** Selects the dropout masks of global training step `step` (1-based; stream "dropout/step/<n>"). */
  setDropoutStep(step: number): void;
}

/** The training hyperparameters the loop needs. */
export interface LoopOptions {
  /** The run's root seed: the order and augment sources follow it unless given their own below. */
  seed: number;
  /** Root seed of the `order` source (streams shuffle|sampler/epoch/<e>); default `seed`. */
  orderSeed?: number;
  /** Root seed of the `augment` source (streams augment/epoch/<e>); default `seed`. */
  augmentSeed?: number;
  epochs: number;
  batchSize: number;
  imgSize: number;
  lr: number;
  backboneLr: number;
  /** Loss weight per class index, or null for the plain mean. */
  classWeights: number[] | null;
  samplerWeighted: boolean;
  trainAugment: boolean;
  unfreezeLastBlock: boolean;
  trainBackbone: boolean;
  warmupEpochs: number;
  schedule: LrScheduleOptions;
  earlyStopPatience: number;
  earlyStopMinDelta: number;
  selectMetric: SelectMetric;
  /**
   * Steps between reads of the step losses from the device (default 1): on a GPU the host then
   * queues up to this many steps ahead instead of waiting for each one. The losses are summed
   * in step order either way, so the history does not depend on it.
   */
  stepsPerRead?: number;
}

/** One row of `train_history.csv` (contract column order). */
export interface HistoryRow {
  epoch: number;
  train_loss: number;
  train_acc: number;
  val_loss: number;
  val_acc: number;
  val_auc: number | null;
  val_kappa: number | null;
  val_macro_f1: number;
  val_bal_acc: number;
  val_bal_acc_adj: number;
  /** Head learning rate during the epoch. */
  lr: number;
  /** Wall-clock seconds of the epoch (training + validation); the one non-reproducible column. */
  seconds: number;
}

export const HISTORY_COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "val_auc", "val_kappa", "val_macro_f1", "val_bal_acc", "val_bal_acc_adj", "lr", "seconds"] as const;

/** Everything the loop carries between epochs; with the weights and optimizer slots, it is the checkpoint. */
export interface LoopState {
  /** Last completed epoch (0 before training). */
  epoch: number;
  history: HistoryRow[];
  /** Validation metrics of every completed epoch (for the per-epoch HPO log and reports). */
  metrics: (ValMetrics & { epoch: number })[];
  lr: LrScheduleState;
  stop: StopState;
  /** Validation metrics of the best epoch so far, with its epoch number. */
  best: (ValMetrics & { epoch: number }) | null;
}

export const initialLoopState = (): LoopState => ({ epoch: 0, history: [], metrics: [], lr: initialLrState(), stop: initialStopState(), best: null });

/** What one epoch produced, handed to `onEpochEnd` to write artifacts and the checkpoint. */
export interface EpochResult {
  row: HistoryRow;
  metrics: ValMetrics;
  /** Class probabilities of each validation sample. */
  probs: number[][];
  yPred: number[];
  /** True when this epoch is the new best by the select metric. */
  improved: boolean;
  /** Milliseconds the epoch's steps waited for their batch, and the epoch's training time (validation excluded). */
  feeding: { waitMs: number; trainingMs: number };
}

export interface LoopHooks {
  progress: Progress;
  /** Milliseconds, monotonic (for seconds and images/s only). */
  now(): number;
  onEpochEnd(result: EpochResult, state: LoopState): void | Promise<void>;
  /** Workers that prepare (read, augment, assemble) batches ahead of the steps and of validation; none: on this thread, when needed. */
  pool?: FeederPool | null;
  /** Warnings of reading the images (a damaged cache entry made again). */
  warn?(message: string): void;
}

/** Stand-in for a missing metric (AUC with an absent class): below any real value, and finite so JSON keeps it. */
const WORST = -Number.MAX_VALUE;

/** The select metric as a higher-is-better number. */
export function monitoredValue(metric: SelectMetric, m: ValMetrics, valLoss: number): number {
  switch (metric) {
    case "macro_f1":
      return m.macro_f1;
    case "kappa_quadratic":
      return m.kappa_quadratic ?? WORST;
    case "accuracy":
      return m.acc;
    case "auc_ovr":
      return m.auc_ovr ?? WORST;
    case "bal_acc":
      return m.bal_acc;
    case "bal_acc_adj":
      return m.bal_acc_adj;
    case "val_loss":
      return -valLoss;
  }
}

/**
 * Every weight of `model` in a fixed order: layer by layer (topological order), each layer's own
 * order. `model.weights` is not stable: it lists trainable weights before frozen ones, so its
 * order changes whenever a layer is frozen or unfrozen.
 */
export function orderedWeights(model: tfjs.LayersModel): tfjs.LayerVariable[] {
  return model.layers.flatMap((layer) => layer.weights);
}

/** Marks every layer trainable again (the state outside training steps: saving, hashing, checkpoints). */
export function unfreezeAll(net: Pick<NetParts, "model">): void {
  for (const layer of net.model.layers) layer.trainable = true;
}

/**
 * The variables that train during `epoch` and their learning rates. The head always trains; the
 * backbone (all of it with `trainBackbone`, else its last blocks with `unfreezeLastBlock`) joins
 * after the warm-up epochs. `layer.trainable` is set to match for the epoch's steps.
 */
export function trainableVars(net: NetParts, epoch: number, options: Pick<LoopOptions, "unfreezeLastBlock" | "trainBackbone" | "warmupEpochs">, headLr: number, backboneLr: number): TrainableVar[] {
  const keyOf = new Map(orderedWeights(net.model).map((w, i) => [w, i]));
  const backbone = epoch <= options.warmupEpochs ? [] : options.trainBackbone ? net.backboneLayers : options.unfreezeLastBlock ? net.lastBlockLayers : [];
  const head = new Set(net.headLayers);
  const training = new Set(backbone);
  for (const layer of net.backboneLayers) layer.trainable = training.has(layer) && !head.has(layer);
  for (const layer of net.headLayers) layer.trainable = true;
  const out: TrainableVar[] = [];
  const seen = new Set<number>();
  for (const [layers, lr] of [
    [net.headLayers, headLr],
    [backbone, backboneLr],
  ] as const) {
    for (const layer of layers) {
      for (const w of layer.trainableWeights) {
        const key = keyOf.get(w);
        if (key === undefined || seen.has(key)) continue;
        seen.add(key);
        out.push({ key, variable: w.read() as tfjs.Variable, lr });
      }
    }
  }
  return out.sort((a, b) => a.key - b.key);
}

/**
 * Trains from `state.epoch + 1` to `options.epochs` (or until early stopping), validating after
 * each epoch. Every random draw comes from a stream named by epoch or global step
 * ("shuffle|sampler/epoch/<e>" of the order seed, "augment/epoch/<e>" of the augment seed,
 * "dropout/step/<n>" of the dropout seed the network was built with), so a run resumed
 * from the checkpoint of epoch e continues exactly as the uninterrupted run did.
 */
export async function trainLoop(
  tf: TF,
  net: NetParts,
  data: { train: DataPart; val: DataPart },
  options: LoopOptions,
  optimizer: AdamW,
  initial: LoopState,
  hooks: LoopHooks,
): Promise<LoopState> {
  let state = initial;
  for (let epoch = state.epoch + 1; epoch <= options.epochs && !state.stop.stopped; epoch++) {
    const start = hooks.now();
    const scale = lrScaleFor(options.schedule, state.lr, epoch);
    const headLr = options.lr * scale;
    const trained = await trainEpoch(tf, net, data.train, options, optimizer, hooks, { epoch, headLr, backboneLr: options.backboneLr * scale, start });
    const { feeding } = trained;
    unfreezeAll(net);
    const evaluation = await evaluateAsync(tf, net.model, data.val, options.imgSize, options.batchSize, options.classWeights, feeding);
    const yPred = evaluation.probs.map(argMax);
    const metrics = computeValMetrics(data.val.labels, yPred, evaluation.probs);
    const value = monitoredValue(options.selectMetric, metrics, evaluation.loss);
    const stop = stopAfterEpoch(state.stop, epoch, value, options.earlyStopPatience, options.earlyStopMinDelta);
    const row: HistoryRow = {
      epoch,
      train_loss: trained.loss,
      train_acc: trained.acc,
      val_loss: evaluation.loss,
      val_acc: metrics.acc,
      val_auc: metrics.auc_ovr,
      val_kappa: metrics.kappa_quadratic,
      val_macro_f1: metrics.macro_f1,
      val_bal_acc: metrics.bal_acc,
      val_bal_acc_adj: metrics.bal_acc_adj,
      lr: headLr,
      seconds: Math.round(hooks.now() - start) / 1000,
    };
    state = {
      epoch,
      history: [...state.history, row],
      metrics: [...state.metrics, { ...metrics, epoch }],
      lr: lrAfterEpoch(options.schedule, state.lr, value),
      stop: stop.state,
      best: stop.improved ? { ...metrics, epoch } : state.best,
    };
    await hooks.onEpochEnd({ row, metrics, probs: evaluation.probs, yPred, improved: stop.improved, feeding: { waitMs: trained.waitMs, trainingMs: trained.trainingMs } }, state);
  }
  return state;
}

/**
 * One epoch's training steps: the epoch's order and augmentation draws (made up front, in step
 * order), batches fed ahead of the steps, and the loss and accuracy read back every
 * `stepsPerRead` steps. Returns the epoch's mean loss, accuracy and how long it waited for data.
 */
async function trainEpoch(
  tf: TF,
  net: NetParts,
  train: DataPart,
  options: LoopOptions,
  optimizer: AdamW,
  hooks: LoopHooks,
  at: { epoch: number; headLr: number; backboneLr: number; start: number },
) {
  const { epoch, start } = at;
  const stepsPerEpoch = Math.ceil(train.labels.length / options.batchSize);
  const vars = trainableVars(net, epoch, options, at.headLr, at.backboneLr);
  const order = epochOrder(train.labels, epoch, options.orderSeed ?? options.seed, options.samplerWeighted);
  const augmentRng = stream(options.augmentSeed ?? options.seed, `augment/epoch/${epoch}`);
  // every draw of the epoch up front, in the order the steps use them (batch by batch, sample by sample)
  const jobs: BatchJob[] = batches(order, options.batchSize).map((indices) => ({
    indices,
    draws: options.trainAugment ? indices.map(() => drawAugment(augmentRng)) : null,
  }));
  const feeding = { pool: hooks.pool ?? null, warn: hooks.warn?.bind(hooks) };
  const feeder = feedBatches(train, options.imgSize, jobs, feeding.pool, { warn: feeding.warn });
  const bar = hooks.progress(`epoch ${epoch}/${options.epochs}`, stepsPerEpoch);
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  // [loss, correct] of the steps not read yet, with their batch sizes, oldest first
  let pending: { stats: tfjs.Tensor1D; size: number }[] = [];
  const readPending = async () => {
    if (pending.length === 0) return;
    const all = tf.concat(pending.map((p) => p.stats)) as tfjs.Tensor1D;
    const values = await all.data();
    all.dispose();
    pending.forEach((p, i) => {
      const step = stepStats(values, 2 * i);
      lossSum += step.loss * p.size;
      correct += step.correct;
      seen += p.size;
    });
    tf.dispose(pending.map((p) => p.stats));
    const steps = pending.length;
    pending = [];
    const elapsed = (hooks.now() - start) / 1000;
    bar.increment(steps, { loss: lossSum / seen, "img/s": elapsed > 0 ? Math.round((10 * seen) / elapsed) / 10 : 0 });
  };
  const stepsPerRead = Math.max(1, options.stepsPerRead ?? 1);
  for (const [s, { indices }] of jobs.entries()) {
    net.setDropoutStep((epoch - 1) * stepsPerEpoch + s + 1);
    const inputs = batchInputsFromPixels(tf, train, indices, options.imgSize, await feeder.next());
    const labels = indices.map((i) => train.labels[i] as number);
    pending.push({ stats: trainStepOnDevice(tf, net.model, optimizer, vars, inputs, labels, options.classWeights), size: indices.length });
    tf.dispose(inputs);
    if (pending.length >= stepsPerRead) await readPending();
  }
  await readPending();
  const trainingMs = hooks.now() - start;
  bar.stop();
  return { loss: lossSum / seen, acc: correct / seen, waitMs: feeder.waitMs, trainingMs, feeding };
}

function argMax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}
