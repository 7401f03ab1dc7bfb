import { rmSync } from "node:fs";
import { join } from "node:path";
import { initBackend, type InitializedBackend } from "../backend/index.ts";
import { errorMessage } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { provenance, type Provenance } from "../provenance/index.ts";
import { STREAM_SCHEME, describeSourceSeeds, overriddenSources } from "../rng/index.ts";
import { markRun } from "../runs/index.ts";
import type { TaskContext, TaskResult } from "../task/index.ts";
import { recordingLogger } from "./early-log.ts";
import { trainEpochs } from "./epochs.ts";
import { finishRun } from "./finish.ts";
import { checkInputPaths, loadTrainingData, type TrainingData } from "./inputs.ts";
import { buildNetwork, checkpointIdentity, loadPretrainedWeights, startingState, type Network } from "./network.ts";
import type { CheckpointIdentity } from "./checkpoint.ts";
import type { LoopState } from "./loop.ts";
import { runSourceSeeds, type TrainParams } from "./params.ts";
import { lockRunDir, resolveRunDir } from "./run-dir.ts";

/**
 * The `train` task: one training run into a results* directory (REFERENCE.md lists the
 * artifacts; every random draw comes from a named stream of `--seed`). Read top to bottom:
 * 1. check every input and build the network, before any directory is made: a bad input
 *    leaves nothing behind;
 * 2. take the run directory (a new `results*`, `--run-dir`, or the one to resume), lock it
 *    (`lockRunDir`: one process trains a directory at a time), mark it running, and put the
 *    lines logged so far at the top of its run.log;
 * 3. train the remaining epochs, writing the best epoch's artifacts and a checkpoint after each;
 * 4. finish from the best epoch (summary.json last) — or record the error and mark it failed.
 */
export async function runTraining(params: TrainParams, ctx: TaskContext): Promise<TaskResult> {
  const early = recordingLogger(ctx.log, () => ctx.clock.now());
  const prov = provenance();
  checkInputPaths(params);
  // A run to resume is found first (that makes no new directory) and locked: a directory another
  // process is training is refused before anything is loaded. A new one is made after step 1.
  const resumeTarget = params.resume ? resolveRunDir(params, () => "") : null;
  const resumeLock = resumeTarget ? lockRunDir(resumeTarget.dir, ctx.clock.now()) : undefined;
  try {
    const run = { ...params, resume: resumeTarget !== null && !resumeTarget.fresh };
    const { backend, data, network } = await prepare(run, ctx, early.log, prov);
    try {
      const dir = resumeTarget?.dir ?? resolveRunDir(params, (outdir) => ctx.artifacts.allocateRunDir(outdir)).dir;
      const lock = resumeLock ?? lockRunDir(dir, ctx.clock.now());
      try {
        return await trainInRunDir(dir, run, resumeTarget?.fresh === true, early, { backend, data, network, prov }, ctx);
      } finally {
        lock.release();
      }
    } finally {
      network.dispose();
    }
  } finally {
    resumeLock?.release();
  }
}

/** Step 2's end and steps 3–4: run.log, the starting state (checkpoint or fresh), training, and the run's status. */
async function trainInRunDir(
  dir: string,
  run: TrainParams,
  freshResume: boolean,
  early: ReturnType<typeof recordingLogger>,
  parts: { backend: InitializedBackend; data: TrainingData; network: Network; prov: Provenance },
  ctx: TaskContext,
): Promise<TaskResult> {
  const { backend, data, network } = parts;
  early.replayInto(join(dir, "run.log"));
  ctx.log.attachFile(join(dir, "run.log"));
  try {
    ctx.log.info(`run directory: ${dir}`);
    if (freshResume) ctx.log.warn(`--resume: no checkpoint in ${dir} yet (the run stopped during its first epoch): starting from epoch 1`);
    // A resume refused here (other settings, data or backend) leaves the run as it was.
    const identity = checkpointIdentity(run, backend.name, data);
    const state = startingState(backend.tf, network, dir, identity, run, ctx.log);
    markRun(dir, "running", ctx.clock.now());
    try {
      const result = await trainInto(dir, run, { ...parts, identity, state }, ctx);
      markRun(dir, "finished", ctx.clock.now());
      return result;
    } catch (err) {
      ctx.log.error(`run failed: ${errorMessage(err)}`);
      markRun(dir, "failed", ctx.clock.now(), errorMessage(err));
      throw err;
    }
  } finally {
    ctx.log.detachFile();
  }
}

/** Step 1: the run's inputs, backend, data and network, each checked; nothing is written. */
async function prepare(params: TrainParams, ctx: TaskContext, log: Logger, prov: Provenance): Promise<{ backend: InitializedBackend; data: TrainingData; network: Network }> {
  log.info(`${params.resume ? "resuming" : "starting"} training run`);
  log.info(`command: ${ctx.commandLine || "(library call)"}`);
  log.info(`seed: ${params.seed} (streams ${STREAM_SCHEME}: init/<layer>, split, subset, shuffle|sampler/epoch/<e>, augment/epoch/<e>, dropout/step/<n>)`);
  const overridden = overriddenSources(params.seed, runSourceSeeds(params));
  if (overridden.length) log.info(`source seeds: ${describeSourceSeeds(runSourceSeeds(params))} (${overridden.join(", ")} not following --seed)`);
  log.info(`versions: bun ${prov.bun ?? "n/a"}, node ${prov.node ?? "none"}, tfjs ${prov.tfjs ?? "n/a"}, git ${prov.git_commit ?? "n/a"}${prov.git_dirty ? " (dirty)" : ""}`);
  if (params.deterministic) {
    // Read by libtensorflow when its kernels start (tensorflow backend); the others are deterministic anyway.
    process.env.TF_DETERMINISTIC_OPS ??= "1";
    process.env.TF_CUDNN_DETERMINISTIC ??= "1";
  }
  const backend = await initBackend(params.backend, log, { allowSoftwareGpu: params.allowSoftwareGpu });
  log.info(
    `device: backend ${backend.name} (${describeDetails(backend.details)}); cpu ${prov.cpu} x${prov.cpu_count}; deterministic ${params.deterministic}`,
  );
  const data = await loadTrainingData(params, ctx, log);
  const network = buildNetwork(backend.tf, params, data.embeddingDim);
  try {
    await loadPretrainedWeights(network, params, log);
  } catch (err) {
    network.dispose();
    throw err;
  }
  return { backend, data, network };
}

/** Steps 3 and 4 in run directory `dir`, from `state` (fresh, or the checkpoint's). */
async function trainInto(
  dir: string,
  params: TrainParams,
  parts: { backend: InitializedBackend; data: TrainingData; network: Network; prov: Provenance; identity: CheckpointIdentity; state: LoopState },
  ctx: TaskContext,
): Promise<TaskResult> {
  const { backend, data, network, prov, identity } = parts;
  // summary.json marks a finished run (cv and the report look for it): a resumed run removes the old one until it finishes again.
  rmSync(join(dir, "summary.json"), { force: true });
  const { state, dataWaitFraction } = await trainEpochs(backend.tf, network, data, params, parts.state, { dir, identity, ctx, log: ctx.log, gpu: backend.gpu !== null, stepsPerRead: backend.stepsPerRead });
  return finishRun(backend.tf, network, data, params, state, { dir, backend, prov, ctx, log: ctx.log, dataWaitFraction });
}

/** Backend details for the log: a long list (the native kernels) as its count; summary.json keeps it whole. */
function describeDetails(details: Record<string, string>): string {
  return Object.entries(details)
    .map(([k, v]) => (v.length > 80 && v.includes(",") ? `${k} (${v.split(",").length})` : `${k} ${v}`))
    .join(", ");
}
