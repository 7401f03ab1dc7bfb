import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { saveModelTo } from "../models/index.ts";
import type { Logger } from "../log/index.ts";
import type { TaskContext } from "../task/index.ts";
import { checkpointPath, saveCheckpoint, type CheckpointIdentity } from "./checkpoint.ts";
import type { TrainingData } from "./inputs.ts";
import { trainLoop, type LoopOptions, type LoopState } from "./loop.ts";
import type { Network } from "./network.ts";
import { hpoMetrics, writeHistory, writePredictions, writeRayLog, writeValMetrics } from "./outputs.ts";
import type { TrainParams } from "./params.ts";

type TF = typeof tfjs;

const f4 = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));

/** The learning-rate schedule that runs: `--lr-schedule`, else plateau when `--lr-reduce-patience` > 0. */
export function resolvedSchedule(params: TrainParams): NonNullable<TrainParams["lrSchedule"]> {
  return params.lrSchedule ?? (params.lrReducePatience > 0 ? "plateau" : "none");
}

/** The loop's settings, from the params. */
export function loopOptions(params: TrainParams, classWeights: number[] | null): LoopOptions {
  return {
    seed: params.seed,
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
  };
}

/**
 * Trains the remaining epochs. After each: the log line; when the epoch is the new best, the best
 * model, val_metrics.json and val_predictions.csv; the history (and the ray log of an HPO trial);
 * the checkpoint last, so a crash in between repeats the epoch, which rewrites the same files.
 */
export async function trainEpochs(
  tf: TF,
  network: Network,
  data: TrainingData,
  params: TrainParams,
  state: LoopState,
  run: { dir: string; identity: CheckpointIdentity; ctx: Pick<TaskContext, "progress">; log: Logger },
): Promise<LoopState> {
  const { dir, identity, log } = run;
  const bestDir = join(dir, "best_model");
  const ckptPath = checkpointPath(dir);
  const rayDir = params.rayLogdir ?? dir;
  return trainLoop(tf, network.net, { train: data.train, val: data.val }, loopOptions(params, data.classWeights), network.optimizer, state, {
    progress: run.ctx.progress,
    now: () => performance.now(),
    async onEpochEnd(result, st) {
      const r = result.row;
      log.info(
        `Epoch ${r.epoch}/${params.epochs} | train_loss ${f4(r.train_loss)} | train_acc ${f4(r.train_acc)} | val_acc ${f4(r.val_acc)} | kappa_q ${f4(r.val_kappa)} | auc_ovr ${f4(r.val_auc)} | time ${r.seconds.toFixed(1)}s${result.improved ? ` | best ${params.selectMetric}` : ""}`,
      );
      if (result.improved && st.best) {
        await saveModelTo(network.built.model, bestDir);
        writeValMetrics(dir, st.best);
        writePredictions(dir, data.split.val, result.yPred, result.probs);
      }
      writeHistory(dir, st.history);
      if (params.rayTrialName) writeRayLog(rayDir, params.rayTrialName, st.metrics.map((m) => ({ trial_name: params.rayTrialName, training_iteration: m.epoch, ...hpoMetrics(m.epoch, m) })));
      saveCheckpoint(ckptPath, network.built.model, network.optimizer, st, identity);
      if (st.stop.stopped) log.info(`early stopping after epoch ${r.epoch}: no improvement of ${params.selectMetric} by more than ${params.earlyStopMinDelta} for ${params.earlyStopPatience} epochs`);
    },
  });
}
