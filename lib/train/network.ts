import type * as tfjs from "@tensorflow/tfjs";
import { hashJson } from "../artifacts/index.ts";
import { usageError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { toFlag } from "../task/flags.ts";
import { buildModel, loadPretrained, setDropoutStep, type BuiltModel } from "../models/index.ts";
import { AdamW } from "./adamw.ts";
import { checkpointPath, readCheckpoint, restoreCheckpoint, type CheckpointIdentity } from "./checkpoint.ts";
import { NUM_CLASSES, type TrainingData } from "./inputs.ts";
import { initialLoopState, type LoopState, type NetParts } from "./loop.ts";
import { RESUME_FREE_PARAMS, runSourceSeeds, type TrainParams } from "./params.ts";

type TF = typeof tfjs;

/** Dropout before the classifier, as in the reference pipeline. */
const DROPOUT = 0.2;

/** The model, its layer groups as the loop sees them, and the optimizer. */
export interface Network {
  built: BuiltModel;
  net: NetParts;
  optimizer: AdamW;
  dispose(): void;
}

/** What the training loop needs of a built classifier: its model, its layers by part, and how to seed dropout per step. */
export function netParts(built: BuiltModel): NetParts {
  return {
    model: built.model,
    headLayers: built.headLayers.map((name) => built.model.getLayer(name)),
    lastBlockLayers: built.lastBlockLayers.map((name) => built.model.getLayer(name)),
    backboneLayers: built.backboneLayers.map((name) => built.model.getLayer(name)),
    setDropoutStep: (step) => setDropoutStep(built.model, step),
  };
}

/** Builds the classifier (weights from the init seed's `init/<layer>` streams, masks from the dropout seed's) and its AdamW. */
export function buildNetwork(tf: TF, params: TrainParams, embeddingDim: number): Network {
  const seeds = runSourceSeeds(params);
  const built = buildModel(tf, { arch: params.arch, imgSize: params.imgSize, numClasses: NUM_CLASSES, embeddingDim, dropout: DROPOUT, seed: seeds.init, dropoutSeed: seeds.dropout });
  const optimizer = new AdamW(tf, { weightDecay: params.weightDecay });
  return {
    built,
    net: netParts(built),
    optimizer,
    dispose() {
      optimizer.dispose();
      built.model.dispose();
    },
  };
}

/** Starts from `--pretrained` weights (a fresh run only: a resumed run has its own). */
export async function loadPretrainedWeights(network: Network, params: TrainParams, log: Logger): Promise<void> {
  if (!params.pretrained || params.resume) return;
  const report = await loadPretrained(network.built.model, params.pretrained);
  log.info(
    `pretrained weights from ${params.pretrained}: ${report.matched.length} layers loaded (${report.adapted.length} adapted to 1 channel), ${report.missing.length} missing, ${report.shapeMismatch.length} with another shape`,
  );
  if (report.matched.length === 0) throw usageError("pretrained_unmatched", `--pretrained ${params.pretrained}: no layer of ${params.arch} found in it`);
}

/** Params that define the run: they must be equal on `--resume`. */
function resumeRelevant(params: TrainParams): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const key of RESUME_FREE_PARAMS) delete out[key];
  return out;
}

/** What a checkpoint must match for this run to resume from it. */
export function checkpointIdentity(params: TrainParams, backend: string, data: Pick<TrainingData, "dataset" | "split">): CheckpointIdentity {
  const relevant = resumeRelevant(params);
  return { configHash: hashJson(relevant), backend, params: relevant, dataFingerprint: data.dataset.fingerprint, splitHash: data.split.splitHash };
}

/**
 * The loop state to start from: a fresh one, or (`--resume`) the checkpoint's, after restoring its
 * weights and optimizer slots into `network` — refused when its settings, data or backend differ.
 */
export function startingState(tf: TF, network: Network, runDir: string, identity: CheckpointIdentity, params: TrainParams, log: Logger): LoopState {
  if (!params.resume) return initialLoopState();
  const path = checkpointPath(runDir);
  const checkpoint = readCheckpoint(path);
  checkResumable(checkpoint.identity, identity, runDir);
  restoreCheckpoint(tf, path, checkpoint, network.built.model, network.optimizer);
  const state = checkpoint.state;
  log.info(`resumed from the checkpoint of epoch ${state.epoch} (best epoch so far: ${state.stop.bestEpoch ?? "none"})`);
  if (state.epoch >= params.epochs || state.stop.stopped) log.info(`nothing left to train (${state.stop.stopped ? "stopped early" : `--epochs ${params.epochs}`}): rewriting the final artifacts`);
  return state;
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
    const flag = diff ? toFlag(diff) : "settings";
    throw usageError(
      "resume_mismatch",
      `--resume: ${flag} is ${JSON.stringify(diff ? now.params[diff] : null)} here but ${JSON.stringify(diff ? saved.params[diff] : null)} in ${runDir}'s checkpoint (only --epochs and output options may change)`,
    );
  }
}
