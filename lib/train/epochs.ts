import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { saveModelTo } from "../models/index.ts";
import type { Logger } from "../log/index.ts";
import type { TaskContext } from "../task/index.ts";
import { checkpointPath, saveCheckpoint, type CheckpointIdentity } from "./checkpoint.ts";
import { preemptionWatch } from "./preempt.ts";
import type { TrainingData } from "./inputs.ts";
import { trainLoop, type LoopOptions, type LoopState } from "./loop.ts";
import type { Network } from "./network.ts";
import { autoLoaderWorkers, FeederPool } from "./feeder.ts";
import { hpoMetrics, writeHistory, writePredictions, writeRayLog, writeValMetrics } from "./outputs.ts";
import { runSourceSeeds, type TrainParams } from "./params.ts";

type TF = typeof tfjs;

const f4 = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));

/** The learning-rate schedule that runs: `--lr-schedule`, else plateau when `--lr-reduce-patience` > 0. */
export function resolvedSchedule(params: TrainParams): NonNullable<TrainParams["lrSchedule"]> {
  return params.lrSchedule ?? (params.lrReducePatience > 0 ? "plateau" : "none");
}

/** The loop's settings, from the params. */
export function loopOptions(params: TrainParams, classWeights: number[] | null, stepsPerRead = 1): LoopOptions {
  const seeds = runSourceSeeds(params);
  return {
    seed: params.seed,
    orderSeed: seeds.order,
    augmentSeed: seeds.augment,
    epochs: params.epochs,
    batchSize: params.batchSize,
    imgSize: params.imgSize,
    lr: params.lr,
    backboneLr: params.backboneLr,
    classWeights,
    samplerWeighted: params.samplerWeighted,
    trainAugment: params.trainAugment,
    unfreezeLastBlock: params.unfreezeLastBlock,
    trainBackbone: params.trainBackbone,
    warmupEpochs: params.warmupEpochs,
    schedule: {
      name: resolvedSchedule(params),
      epochs: params.epochs,
      patience: params.lrReducePatience,
      factor: params.lrReduceFactor,
      minLr: params.lrReduceMinLr,
      stepEpochs: params.lrStepEpochs,
      baseLr: params.lr,
    },
    earlyStopPatience: params.earlyStopPatience,
    earlyStopMinDelta: params.earlyStopMinDelta,
    selectMetric: params.selectMetric,
    stepsPerRead,
  };
}

/**
 * Trains the remaining epochs. After each: the log line; when the epoch is the new best, the best
 * model, val_metrics.json and val_predictions.csv; the history (and the ray log of an HPO trial);
 * the checkpoint last, so a crash in between repeats the epoch, which rewrites the same files.
 * Batches are prepared by `--loader-workers` worker threads (default: some on a GPU, none on the
 * CPU backends); returns the share of training time the steps waited for them.
 */
export async function trainEpochs(
  tf: TF,
  network: Network,
  data: TrainingData,
  params: TrainParams,
  state: LoopState,
  run: { dir: string; identity: CheckpointIdentity; ctx: Pick<TaskContext, "progress" | "artifacts">; log: Logger; gpu?: boolean; stepsPerRead?: number },
): Promise<{ state: LoopState; dataWaitFraction: number | null }> {
  const { dir, identity, log } = run;
  const store = run.ctx.artifacts;
  const bestDir = join(dir, "best_model");
  const ckptPath = checkpointPath(dir);
  const rayDir = params.rayLogdir ?? dir;
  const workers = params.loaderWorkers ?? autoLoaderWorkers(run.gpu ?? false);
  if (workers > 0) log.info(`batches: prepared ahead by ${workers} worker thread${workers === 1 ? "" : "s"}`);
  const pool = workers > 0 ? new FeederPool(workers) : null;
  const preemption = preemptionWatch(params.epochs, ckptPath);
  let waitedMs = 0;
  let trainedMs = 0;
  try {
    const final = await trainLoop(tf, network.net, { train: data.train, val: data.val }, loopOptions(params, data.classWeights, run.stepsPerRead), network.optimizer, state, {
    progress: run.ctx.progress,
    now: () => performance.now(),
    pool,
    warn: (message) => log.warn(message),
    async onEpochEnd(result, st) {
      const r = result.row;
      const wait = result.feeding.trainingMs > 0 ? result.feeding.waitMs / result.feeding.trainingMs : 0;
      waitedMs += result.feeding.waitMs;
      trainedMs += result.feeding.trainingMs;
      log.info(
        `Epoch ${r.epoch}/${params.epochs} | train_loss ${f4(r.train_loss)} | train_acc ${f4(r.train_acc)} | val_acc ${f4(r.val_acc)} | kappa_q ${f4(r.val_kappa)} | auc_ovr ${f4(r.val_auc)} | time ${r.seconds.toFixed(1)}s | data wait ${(100 * wait).toFixed(1)}%${result.improved ? ` | best ${params.selectMetric}` : ""}`,
      );
      if (result.improved && st.best) {
        await saveModelTo(network.built.model, bestDir);
        writeValMetrics(store, dir, st.best);
        writePredictions(store, dir, data.split.val, result.yPred, result.probs);
      }
      writeHistory(store, dir, st.history);
      const trialName = params.rayTrialName;
      if (trialName) writeRayLog(store, rayDir, trialName, st.metrics.map((m) => ({ trial_name: trialName, training_iteration: m.epoch, ...hpoMetrics(m.epoch, m) })));
      await saveCheckpoint(ckptPath, network.built.model, network.optimizer, st, identity);
      if (st.stop.stopped) log.info(`early stopping after epoch ${r.epoch}: no improvement of ${params.selectMetric} by more than ${params.earlyStopMinDelta} for ${params.earlyStopPatience} epochs`);
      await preemption.check(r.epoch, st.stop.stopped);
    },
    });
    return { state: final, dataWaitFraction: trainedMs > 0 ? waitedMs / trainedMs : null };
  } finally {
    preemption.close();
    pool?.close();
  }
}
