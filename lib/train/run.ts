import { rmSync } from "node:fs";
import { join } from "node:path";
import { hashJson, sha256File } from "../artifacts/index.ts";
import { initBackend } from "../backend/index.ts";
import { checkReadable, loadDataset, loadImages } from "../dataset/index.ts";
import { TaskError, usageError } from "../errors/index.ts";
import { buildModel, loadModelFrom, loadPretrained, saveModelTo, setDropoutStep, weightsSha256 } from "../models/index.ts";
import { provenance } from "../provenance/index.ts";
import { STREAM_SCHEME } from "../rng/index.ts";
import type { TaskContext, TaskResult } from "../task/index.ts";
import { AdamW } from "./adamw.ts";
import { checkpointPath, readCheckpoint, restoreCheckpoint, saveCheckpoint, type CheckpointIdentity } from "./checkpoint.ts";
import { autoClassWeights, classCounts } from "./class-weights.ts";
import { chooseSplit } from "./data.ts";
import { embeddingsFor, loadEmbeddings } from "./embeddings.ts";
import { writeGradcams } from "./gradcam-pngs.ts";
import { initialLoopState, monitoredValue, orderedWeights, trainLoop, type LoopOptions, type LoopState, type NetParts } from "./loop.ts";
import { hpoMetrics, writeHistory, writeOptunaTrial, writePredictions, writeRayLog, writeValMetrics } from "./outputs.ts";
import { RESUME_FREE_PARAMS, type TrainParams } from "./params.ts";
import { resolveRunDir } from "./run-dir.ts";
import { summaryBody, type RunFacts } from "./summary.ts";
import type { DataPart } from "./step.ts";

const NUM_CLASSES = 4;
const DROPOUT = 0.2;

/** Params that define the run: they must be equal on `--resume`. */
function resumeRelevant(params: TrainParams): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const key of RESUME_FREE_PARAMS) delete out[key];
  return out;
}

const f4 = (v: number | null) => (v === null ? "n/a" : v.toFixed(4));

/**
 * The `train` task: one training run into a results* directory. See REFERENCE.md for the
 * artifacts; every random draw comes from a named stream of `--seed`.
 */
export async function runTraining(params: TrainParams, ctx: TaskContext): Promise<TaskResult> {
  const { dir: runDir, fresh } = resolveRunDir(params, (outdir) => ctx.artifacts.allocateRunDir(outdir));
  ctx.log.attachFile(join(runDir, "run.log"));
  try {
    if (params.resume && fresh) ctx.log.warn(`--resume: no checkpoint in ${runDir} yet (the run stopped during its first epoch): starting from epoch 1`);
    return await train({ ...params, resume: params.resume && !fresh }, ctx, runDir);
  } finally {
    ctx.log.detachFile();
  }
}

async function train(params: TrainParams, ctx: TaskContext, runDir: string): Promise<TaskResult> {
  const { log } = ctx;
  const prov = provenance();
  log.info(`${params.resume ? "resuming" : "starting"} training run in ${runDir}`);
  log.info(`command: ${ctx.commandLine || "(library call)"}`);
  log.info(`seed: ${params.seed} (streams ${STREAM_SCHEME}: init/<layer>, split, subset, shuffle|sampler/epoch/<e>, augment/epoch/<e>, dropout/step/<n>)`);
  log.info(`versions: bun ${prov.bun ?? "n/a"}, node ${prov.node}, tfjs ${prov.tfjs ?? "n/a"}, git ${prov.git_commit ?? "n/a"}${prov.git_dirty ? " (dirty)" : ""}`);
  if (params.deterministic) {
    // Read by libtensorflow when its kernels start (tensorflow backend); wasm and cpu are deterministic anyway.
    process.env.TF_DETERMINISTIC_OPS ??= "1";
    process.env.TF_CUDNN_DETERMINISTIC ??= "1";
  }
  const backend = await initBackend(params.backend, log);
  const { tf } = backend;
  log.info(`device: backend ${backend.name} (${Object.entries(backend.details).map(([k, v]) => `${k} ${v}`).join(", ")}); cpu ${prov.cpu} x${prov.cpu_count}; deterministic ${params.deterministic}`);

  const dataset = await loadDataset({ csv: params.csv, dicomRoot: params.dicomRoot, includeClass5: params.includeClass5, views: params.views }, ctx);
  checkReadable(dataset, params.minReadable);
  const split = chooseSplit(dataset, params, log);
  const all = [...split.train, ...split.val];
  const images = await loadImages(all, { imgSize: params.imgSize, window: params.window, cacheDir: params.cacheDir }, ctx);
  const trainPart: DataPart = { images: images.slice(0, split.train.length), labels: split.train.map((s) => s.label - 1) };
  const valPart: DataPart = { images: images.slice(split.train.length), labels: split.val.map((s) => s.label - 1) };
  // Input files by path (the summary's envelope) and the data identity under stable names (data_hashes).
  const inputFiles: Record<string, string> = { [params.csv]: sha256File(params.csv) };
  if (params.split) inputFiles[params.split] = sha256File(params.split);
  const dataHashes: Record<string, string> = { csv: inputFiles[params.csv] as string, data_fingerprint: dataset.fingerprint, split_hash: split.splitHash };
  if (params.split) dataHashes.split_json = inputFiles[params.split] as string;
  let embeddingDim = 0;
  if (params.embeddingsDir) {
    const embeddings = loadEmbeddings(params.embeddingsDir);
    trainPart.embeddings = embeddingsFor(embeddings, split.train.map((s) => s.accession), params.embeddingsDir);
    valPart.embeddings = embeddingsFor(embeddings, split.val.map((s) => s.accession), params.embeddingsDir);
    embeddingDim = embeddings.dim;
    for (const f of embeddings.files) inputFiles[f] = sha256File(f);
    dataHashes.embeddings_features = inputFiles[embeddings.files[0] as string] as string;
    dataHashes.embeddings_metadata = inputFiles[embeddings.files[1] as string] as string;
    log.info(`embeddings: ${embeddings.dim}-d from ${params.embeddingsDir} (${embeddings.byAccession.size} accessions), fused with the image features`);
  }

  const counts = classCounts(trainPart.labels, NUM_CLASSES);
  const classWeights = params.classWeights === "auto" ? autoClassWeights(trainPart.labels, NUM_CLASSES) : null;
  log.info(`train class counts A-D: ${counts.join(", ")}; class weights: ${classWeights ? `auto [${classWeights.map((w) => w.toFixed(4)).join(", ")}] (N/(K*n_c))` : "none"}`);
  if (params.samplerWeighted) log.info("sampler: weighted, 1/n_class with replacement (stream sampler/epoch/<e>)");

  const built = buildModel(tf, { arch: params.arch, imgSize: params.imgSize, numClasses: NUM_CLASSES, embeddingDim, dropout: DROPOUT, seed: params.seed });
  const optimizer = new AdamW(tf, { weightDecay: params.weightDecay });
  const net: NetParts = {
    model: built.model,
    headLayers: built.headLayers.map((name) => built.model.getLayer(name)),
    lastBlockLayers: built.lastBlockLayers.map((name) => built.model.getLayer(name)),
    backboneLayers: built.backboneLayers.map((name) => built.model.getLayer(name)),
    setDropoutStep: (step) => setDropoutStep(built.model, step),
  };
  try {
    if (params.pretrained && !params.resume) {
      const report = await loadPretrained(built.model, params.pretrained);
      log.info(`pretrained weights from ${params.pretrained}: ${report.matched.length} layers loaded (${report.adapted.length} adapted to 1 channel), ${report.missing.length} missing, ${report.shapeMismatch.length} with another shape`);
      if (report.matched.length === 0) throw usageError("pretrained_unmatched", `--pretrained ${params.pretrained}: no layer of ${params.arch} found in it`);
    }
    const lrSchedule = params.lrSchedule ?? (params.lrReducePatience > 0 ? "plateau" : "none");
    const identity: CheckpointIdentity = {
      configHash: hashJson(resumeRelevant(params)),
      backend: backend.name,
      params: resumeRelevant(params),
      dataFingerprint: dataset.fingerprint,
      splitHash: split.splitHash,
    };
    let state: LoopState = initialLoopState();
    const ckptPath = checkpointPath(runDir);
    if (params.resume) {
      const checkpoint = readCheckpoint(ckptPath);
      checkResumable(checkpoint.identity, identity, runDir);
      restoreCheckpoint(tf, ckptPath, checkpoint, built.model, optimizer);
      state = checkpoint.state;
      log.info(`resumed from the checkpoint of epoch ${state.epoch} (best epoch so far: ${state.stop.bestEpoch ?? "none"})`);
      if (state.epoch >= params.epochs || state.stop.stopped) log.info(`nothing left to train (${state.stop.stopped ? "stopped early" : `--epochs ${params.epochs}`}): rewriting the final artifacts`);
    }

    const options: LoopOptions = {
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
        name: lrSchedule,
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
    const bestDir = join(runDir, "best_model");
    const resolved = { backend: backend.name, lrSchedule };
    const summaryPath = join(runDir, "summary.json");
    // summary.json marks a finished run (cv and the report look for it): a resumed run removes the old one until it finishes again.
    rmSync(summaryPath, { force: true });
    const rayDir = params.rayLogdir ?? runDir;

    state = await trainLoop(tf, net, { train: trainPart, val: valPart }, options, optimizer, state, {
      progress: ctx.progress,
      now: () => performance.now(),
      async onEpochEnd(result, st) {
        const r = result.row;
        log.info(
          `Epoch ${r.epoch}/${params.epochs} | train_loss ${f4(r.train_loss)} | train_acc ${f4(r.train_acc)} | val_acc ${f4(r.val_acc)} | kappa_q ${f4(r.val_kappa)} | auc_ovr ${f4(r.val_auc)} | time ${r.seconds.toFixed(1)}s${result.improved ? ` | best ${params.selectMetric}` : ""}`,
        );
        // Best-epoch artifacts first, checkpoint last: a crash in between repeats this epoch, which rewrites the same files.
        if (result.improved && st.best) {
          await saveModelTo(built.model, bestDir);
          writeValMetrics(runDir, st.best);
          writePredictions(runDir, split.val, result.yPred, result.probs);
        }
        writeHistory(runDir, st.history);
        if (params.rayTrialName) writeRayLog(rayDir, params.rayTrialName, st.metrics.map((m) => ({ trial_name: params.rayTrialName, training_iteration: m.epoch, ...hpoMetrics(m.epoch, m) })));
        saveCheckpoint(ckptPath, built.model, optimizer, st, identity);
        if (st.stop.stopped) log.info(`early stopping after epoch ${r.epoch}: no improvement of ${params.selectMetric} by more than ${params.earlyStopMinDelta} for ${params.earlyStopPatience} epochs`);
      },
    });

    if (!state.best) throw new TaskError("no_epoch", `no epoch completed (--epochs ${params.epochs}, checkpoint at epoch ${state.epoch})`);
    const finalWeightsSha256 = weightsSha256(built.model);
    // The best epoch's weights, as saved, for the digest and the Grad-CAM maps.
    const best = await loadModelFrom(tf, bestDir);
    const bestWeights = orderedWeights(best);
    orderedWeights(built.model).forEach((w, i) => w.write((bestWeights[i] as (typeof bestWeights)[number]).read()));
    best.dispose();
    const bestWeightsSha256 = weightsSha256(built.model);
    if (params.gradcamSamples > 0) {
      const n = writeGradcams(tf, built, valPart, params.imgSize, Math.min(params.gradcamSamples, split.val.length), join(runDir, "gradcam"));
      log.info(`grad-cam: ${n} overlays in ${join(runDir, "gradcam")}`);
    }
    const finishedAt = ctx.clock.now().toISOString();
    const bestValue = rawMetric(params.selectMetric, state, state.best.epoch);
    if (params.optunaTrialId) {
      const path = writeOptunaTrial(runDir, params.optunaTrialId, finishedAt, bestValue, state.best);
      log.info(`optuna trial ${params.optunaTrialId}: objective ${f4(bestValue)} -> ${path}`);
    }
    const facts: RunFacts = {
      backend: backend.name,
      backendDetails: backend.details,
      versions: { bun: prov.bun, node: prov.node, tfjs: prov.tfjs },
      dataFingerprint: dataset.fingerprint,
      splitHash: split.splitHash,
      splitSource: split.source,
      dataHashes,
      reproducibility: { git_commit: prov.git_commit, git_dirty: prov.git_dirty, command_line: ctx.commandLine, cwd: process.cwd(), timestamp: finishedAt },
      fold: split.fold,
      classWeightValues: classWeights,
      trainSamples: split.train.length,
      valSamples: split.val.length,
      epochsCompleted: state.epoch,
      stoppedEarly: state.stop.stopped,
      best: state.best,
      bestValue,
      selectMetric: params.selectMetric,
      weightsSha256: bestWeightsSha256,
      finalWeightsSha256,
      finishedAt,
    };
    // Written last: its presence marks a finished run.
    ctx.artifacts.writeJson(summaryPath, summaryBody(params, resolved, facts), inputFiles);
    log.info(`best epoch ${state.best.epoch}: ${params.selectMetric} ${f4(bestValue)}, kappa_q ${f4(state.best.kappa_quadratic)}, acc ${f4(state.best.acc)}; weights sha256 ${bestWeightsSha256}`);
    return {
      path: runDir,
      best_epoch: state.best.epoch,
      best_metric_name: params.selectMetric,
      best_metric: bestValue,
      epochs_completed: state.epoch,
      weights_sha256: bestWeightsSha256,
      final_weights_sha256: finalWeightsSha256,
      backend: backend.name,
      val_metrics: { accuracy: state.best.acc, kappa_quadratic: state.best.kappa_quadratic, macro_f1: state.best.macro_f1, auc_ovr: state.best.auc_ovr },
    };
  } finally {
    optimizer.dispose();
    built.model.dispose();
  }
}

/** The select metric of `epoch` as reported (val_loss as a loss, not negated). */
function rawMetric(metric: TrainParams["selectMetric"], state: LoopState, epoch: number): number | null {
  const m = state.metrics.find((x) => x.epoch === epoch);
  const row = state.history.find((h) => h.epoch === epoch);
  if (!m || !row) return null;
  if (metric === "val_loss") return row.val_loss;
  const v = monitoredValue(metric, m, row.val_loss);
  return v === -Number.MAX_VALUE ? null : v;
}

/** Refuses a resume whose settings, data or backend differ from the checkpoint's, naming the first difference. */
function checkResumable(saved: CheckpointIdentity, now: CheckpointIdentity, runDir: string): void {
  if (saved.backend !== now.backend) {
    throw usageError("resume_mismatch", `--resume: ${runDir} was trained on backend ${saved.backend}, this run uses ${now.backend} (weights would not reproduce)`);
  }
  if (saved.dataFingerprint !== now.dataFingerprint || saved.splitHash !== now.splitHash) {
    throw usageError("resume_mismatch", `--resume: the data or split differ from ${runDir}'s (data_fingerprint/split_hash changed)`);
  }
  if (saved.configHash !== now.configHash) {
    const keys = [...new Set([...Object.keys(saved.params), ...Object.keys(now.params)])].sort();
    const diff = keys.find((k) => JSON.stringify(saved.params[k]) !== JSON.stringify(now.params[k]));
    const flag = diff ? `--${diff.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : "settings";
    throw usageError(
      "resume_mismatch",
      `--resume: ${flag} is ${JSON.stringify(diff ? now.params[diff] : null)} here but ${JSON.stringify(diff ? saved.params[diff] : null)} in ${runDir}'s checkpoint (only --epochs and output options may change)`,
    );
  }
}
