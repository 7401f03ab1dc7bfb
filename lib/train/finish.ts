import type * as tfjs from "@tensorflow/tfjs";
import { join } from "node:path";
import { TaskError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { loadModelFrom, weightsSha256 } from "../models/index.ts";
import type { Provenance } from "../provenance/index.ts";
import type { TaskContext, TaskResult } from "../task/index.ts";
import { onHost, type InitializedBackend } from "../backend/index.ts";
import { writeGradcams } from "./gradcam-pngs.ts";
import type { TrainingData } from "./inputs.ts";
import { monitoredValue, orderedWeights, type LoopState } from "./loop.ts";
import type { Network } from "./network.ts";
import { writeOptunaTrial } from "./outputs.ts";
import { runSourceSeeds, type TrainParams } from "./params.ts";
import { summaryBody, summaryJson, type RunFacts } from "./summary.ts";
import { resolvedSchedule } from "./epochs.ts";
import { evaluateTestPart } from "./test-eval.ts";

type TF = typeof tfjs;

const f4 = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));

/** The select metric of `epoch` as reported (val_loss as a loss, not negated). */
export function rawMetric(metric: TrainParams["selectMetric"], state: LoopState, epoch: number): number | null {
  const m = state.metrics.find((x) => x.epoch === epoch);
  const row = state.history.find((h) => h.epoch === epoch);
  if (!m || !row) return null;
  if (metric === "val_loss") return row.val_loss;
  const v = monitoredValue(metric, m, row.val_loss);
  return v === -Number.MAX_VALUE ? null : v;
}

/**
 * Loads the best epoch's weights, as saved, into the network; returns the SHA-256 of the final
 * (last-epoch) weights and of the best ones.
 */
export async function restoreBestWeights(tf: TF, network: Network, runDir: string): Promise<{ final: string; best: string }> {
  // on a GPU the weights are read asynchronously first (weightsSha256 then reads them from the host)
  await onHost(network.built.model.weights.map((w) => w.read()));
  const final = weightsSha256(network.built.model);
  const best = await loadModelFrom(tf, join(runDir, "best_model"));
  const bestWeights = orderedWeights(best);
  orderedWeights(network.built.model).forEach((w, i) => w.write((bestWeights[i] as (typeof bestWeights)[number]).read()));
  best.dispose();
  return { final, best: weightsSha256(network.built.model) };
}

/**
 * The run's last artifacts, from the best epoch: the one evaluation of the held-out test part
 * (when the split has one), Grad-CAM overlays, the HPO trial file, and summary.json — written
 * last, its presence marks a finished run.
 */
export async function finishRun(
  tf: TF,
  network: Network,
  data: TrainingData,
  params: TrainParams,
  state: LoopState,
  run: { dir: string; backend: InitializedBackend; prov: Provenance; ctx: Pick<TaskContext, "artifacts" | "clock" | "commandLine">; log: Logger; dataWaitFraction?: number | null },
): Promise<TaskResult> {
  const { dir, backend, prov, ctx, log } = run;
  if (!state.best) throw new TaskError("no_epoch", `no epoch completed (--epochs ${params.epochs}, checkpoint at epoch ${state.epoch})`);
  const sha = await restoreBestWeights(tf, network, dir);
  const test = await evaluateTestPart(tf, network, data, params, state.best.epoch, dir, { store: ctx.artifacts, log });
  if (params.gradcamSamples > 0) {
    const n = await writeGradcams(tf, network.built, data.val, params.imgSize, Math.min(params.gradcamSamples, data.split.val.length), { dir: join(dir, "gradcam"), store: ctx.artifacts });
    log.info(`grad-cam: ${n} overlays in ${join(dir, "gradcam")}`);
  }
  const finishedAt = ctx.clock.now().toISOString();
  const bestValue = rawMetric(params.selectMetric, state, state.best.epoch);
  if (params.optunaTrialId) {
    const path = writeOptunaTrial(ctx.artifacts, dir, params.optunaTrialId, finishedAt, bestValue, state.best);
    log.info(`optuna trial ${params.optunaTrialId}: objective ${f4(bestValue)} -> ${path}`);
  }
  const facts: RunFacts = {
    seeds: { ...runSourceSeeds(params), split: data.split.seed },
    backend: backend.name,
    backendDetails: backend.details,
    versions: { bun: prov.bun, node: prov.node, tfjs: prov.tfjs },
    dataFingerprint: data.dataset.fingerprint,
    splitHash: data.split.splitHash,
    splitSource: data.split.source,
    dataHashes: data.dataHashes,
    reproducibility: { git_commit: prov.git_commit, git_dirty: prov.git_dirty, command_line: ctx.commandLine, cwd: process.cwd(), timestamp: finishedAt },
    fold: data.split.fold,
    classWeightValues: data.classWeights,
    trainSamples: data.split.train.length,
    valSamples: data.split.val.length,
    testSamples: data.split.test.length,
    test,
    epochsCompleted: state.epoch,
    stoppedEarly: state.stop.stopped,
    best: state.best,
    bestValue,
    selectMetric: params.selectMetric,
    weightsSha256: sha.best,
    finalWeightsSha256: sha.final,
    finishedAt,
    dataWaitFraction: run.dataWaitFraction ?? null,
  };
  ctx.artifacts.writeJson(summaryJson, join(dir, "summary.json"), summaryBody(params, { backend: backend.name, lrSchedule: resolvedSchedule(params) }, facts), data.inputFiles);
  log.info(`best epoch ${state.best.epoch}: ${params.selectMetric} ${f4(bestValue)}, kappa_q ${f4(state.best.kappa_quadratic)}, acc ${f4(state.best.acc)}; weights sha256 ${sha.best}`);
  return {
    path: dir,
    best_epoch: state.best.epoch,
    best_metric_name: params.selectMetric,
    best_metric: bestValue,
    epochs_completed: state.epoch,
    weights_sha256: sha.best,
    final_weights_sha256: sha.final,
    backend: backend.name,
    val_metrics: { accuracy: state.best.acc, kappa_quadratic: state.best.kappa_quadratic, macro_f1: state.best.macro_f1, auc_ovr: state.best.auc_ovr },
    test_metrics: test ? { accuracy: test.acc, kappa_quadratic: test.kappa_quadratic, macro_f1: test.macro_f1, auc_ovr: test.auc_ovr } : null,
  };
}
